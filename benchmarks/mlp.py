"""One SGD training step of a one-hidden-layer ReLU MLP with cross-entropy, in each library.

    logits = relu(x W1^T + b1) W2^T + b2,   loss = mean_n [logsumexp(logits_n) - logits_n,y_n]

then the gradient of every parameter and `p -= lr * grad`. Every `make_*` builds the model from
the same initial weights (torch's default init, drawn once with NumPy) and returns a
zero-argument `step()` that does one full step on the same batch and returns the loss as a float.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

Step = Callable[[], float]


@dataclass(frozen=True)
class MLPProblem:
    batch: int
    n_in: int
    hidden: int
    n_out: int
    lr: float = 0.01
    seed: int = 0

    def __str__(self) -> str:
        return (f"batch {self.batch}, {self.n_in}-{self.hidden}-{self.n_out} ReLU MLP, "
                f"cross-entropy, SGD lr={self.lr}, float32")

    def data(self) -> dict[str, np.ndarray]:
        """x, y and the initial W1, b1, W2, b2 (torch's layout: W is (out, in))."""
        rng = np.random.default_rng(self.seed)

        def uniform(fan_in: int, shape: tuple) -> np.ndarray:
            k = 1 / np.sqrt(fan_in)
            return rng.uniform(-k, k, shape).astype(np.float32)

        return {"x": rng.standard_normal((self.batch, self.n_in)).astype(np.float32),
                "y": rng.integers(0, self.n_out, self.batch),
                "W1": uniform(self.n_in, (self.hidden, self.n_in)),
                "b1": uniform(self.n_in, (self.hidden,)),
                "W2": uniform(self.hidden, (self.n_out, self.hidden)),
                "b2": uniform(self.hidden, (self.n_out,))}


def make_numpy(p: MLPProblem, d: dict) -> Step:
    """The floor: the same maths with the same NumPy calls minidl's ops make (ufunc.reduce,
    `ones @ g` for the bias gradients), written out by hand: no graph, no checks, in place
    wherever it can be."""
    x, y = d["x"], d["y"]
    params = W1, b1, W2, b2 = [d[k].copy() for k in ("W1", "b1", "W2", "b2")]
    rows, lr, n = np.arange(len(y)), np.float32(p.lr), np.float32(len(y))
    ones = np.ones(len(y), np.float32)

    def step() -> float:
        h = x @ W1.T
        h += b1
        a = np.maximum(h, 0)
        z = a @ W2.T
        z += b2
        z -= np.maximum.reduce(z, axis=1, keepdims=True)    # log_softmax, stable
        e = np.exp(z)
        s = np.add.reduce(e, axis=1, keepdims=True)
        loss = (np.add.reduce(np.log(s), axis=None) - np.add.reduce(z[rows, y])) / n
        gz = e / s                                           # softmax - onehot, over N
        gz[rows, y] -= 1
        gz /= n
        ga = gz @ W2
        ga *= h > 0
        grads = (ga.T @ x, ones @ ga, gz.T @ a, ones @ gz)
        for param, grad in zip(params, grads):
            param -= lr * grad
        return float(loss)
    return step


def make_numpy_methods(p: MLPProblem, d: dict) -> Step:
    """The floor written with array methods (`.max`, `.sum`, `.mean`) as most NumPy code is:
    the same arithmetic, but each method call goes through a Python wrapper. It was the
    floor until 2026-11-23; it is kept as a row of (a) so older figures can be compared."""
    x, y = d["x"], d["y"]
    params = W1, b1, W2, b2 = [d[k].copy() for k in ("W1", "b1", "W2", "b2")]
    rows, lr, n = np.arange(len(y)), np.float32(p.lr), np.float32(len(y))

    def step() -> float:
        h = x @ W1.T
        h += b1
        a = np.maximum(h, 0)
        z = a @ W2.T
        z += b2
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        s = e.sum(axis=1, keepdims=True)
        loss = np.log(s).mean() - z[rows, y].mean()
        gz = e / s
        gz[rows, y] -= 1
        gz /= n
        ga = gz @ W2
        ga *= h > 0
        grads = (ga.T @ x, ga.sum(axis=0), gz.T @ a, gz.sum(axis=0))
        for param, grad in zip(params, grads):
            param -= lr * grad
        return float(loss)
    return step


def make_minidl(p: MLPProblem, d: dict) -> Step:
    import minidl
    import minidl.functional as F
    from minidl import nn

    model = nn.Sequential(nn.Linear(p.n_in, p.hidden), nn.ReLU(), nn.Linear(p.hidden, p.n_out))
    for layer, w, b in ((model[0], "W1", "b1"), (model[2], "W2", "b2")):
        layer.weight.data[...] = d[w]
        layer.bias.data[...] = d[b]
    opt = minidl.optim.SGD(model.parameters(), lr=p.lr)
    x, y = minidl.tensor(d["x"]), minidl.tensor(d["y"])

    def step() -> float:
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()
    return step


def make_torch(p: MLPProblem, d: dict, torch) -> Step:
    nn, F = torch.nn, torch.nn.functional
    model = nn.Sequential(nn.Linear(p.n_in, p.hidden), nn.ReLU(), nn.Linear(p.hidden, p.n_out))
    with torch.no_grad():
        for layer, w, b in ((model[0], "W1", "b1"), (model[2], "W2", "b2")):
            layer.weight.copy_(torch.from_numpy(d[w]))
            layer.bias.copy_(torch.from_numpy(d[b]))
    opt = torch.optim.SGD(model.parameters(), lr=p.lr)
    x, y = torch.from_numpy(d["x"]), torch.from_numpy(d["y"])

    def step() -> float:
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()
    return step


def make_dezero(p: MLPProblem, d: dict, dezero) -> Step:
    """DeZero's own layers and optimizer; its Linear keeps W as (in, out), so W^T is copied in."""
    F, L = dezero.functions, dezero.layers

    class MLP(dezero.Model):
        def __init__(self):
            super().__init__()
            self.l1 = L.Linear(p.hidden, in_size=p.n_in)
            self.l2 = L.Linear(p.n_out, in_size=p.hidden)

        def forward(self, x):
            return self.l2(F.relu(self.l1(x)))

    model = MLP()
    for layer, w, b in ((model.l1, "W1", "b1"), (model.l2, "W2", "b2")):
        layer.W.data = np.ascontiguousarray(d[w].T)
        layer.b.data = d[b].copy()
    opt = dezero.optimizers.SGD(lr=p.lr).setup(model)
    x, y = d["x"], d["y"]

    def step() -> float:
        model.cleargrads()
        loss = F.softmax_cross_entropy(model(x), y)
        loss.backward()
        opt.update()
        return float(loss.data)
    return step


def make_micrograd(p: MLPProblem, d: dict, engine) -> Step:
    """micrograd's own MLP (scalar `Value`s), the weights copied in; the loss uses the
    stable logsumexp with the row maximum as a constant."""
    from micrograd.nn import MLP

    model = MLP(p.n_in, [p.hidden, p.n_out])
    for layer, w, b in zip(model.layers, ("W1", "W2"), ("b1", "b2")):
        for neuron, w_row, b_value in zip(layer.neurons, d[w], d[b]):
            for v, w_value in zip(neuron.w, w_row):
                v.data = float(w_value)
            neuron.b.data = float(b_value)
    params = model.parameters()
    xs, ys = d["x"].tolist(), d["y"].tolist()

    def step() -> float:
        model.zero_grad()
        losses = []
        for xn, yn in zip(xs, ys):
            z = model(xn)
            m = max(v.data for v in z)
            losses.append(sum((v - m).exp() for v in z).log() + m - z[yn])
        loss = sum(losses) * (1.0 / len(losses))
        loss.backward()
        for v in params:
            v.data -= p.lr * v.grad
        return loss.data
    return step


def peak_memory(step: Step) -> int:
    """Peak bytes allocated (Python objects and NumPy buffers, via tracemalloc) during one
    step, above what was allocated when it started."""
    import tracemalloc

    step()  # warm: optimizer state, caches
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        step()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
