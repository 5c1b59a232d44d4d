"""The benchmark's implementations compute the same numbers (small sizes, no timing)."""
import sys
import time
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import activations  # noqa: E402
import chain  # noqa: E402
import harness  # noqa: E402
import lean  # noqa: E402
import mlp  # noqa: E402
import peers  # noqa: E402

PROBLEM = mlp.MLPProblem(batch=8, n_in=5, hidden=7, n_out=3, lr=0.1)


def losses(step, n=4):
    return np.array([step() for _ in range(n)])


def test_numpy_floor_step_matches_torch_autograd():
    torch = pytest.importorskip("torch")
    d = PROBLEM.data()
    W1, b1, W2, b2 = (torch.tensor(d[k], requires_grad=True) for k in ("W1", "b1", "W2", "b2"))
    expected = []
    for _ in range(4):
        h = torch.relu(torch.from_numpy(d["x"]) @ W1.T + b1)
        loss = torch.nn.functional.cross_entropy(h @ W2.T + b2, torch.from_numpy(d["y"]))
        loss.backward()
        with torch.no_grad():
            for p in (W1, b1, W2, b2):
                p -= PROBLEM.lr * p.grad
                p.grad = None
        expected.append(loss.item())
    np.testing.assert_allclose(losses(mlp.make_numpy(PROBLEM, PROBLEM.data())), expected,
                               rtol=1e-5)
    assert expected[-1] < expected[0]  # it trains


@pytest.mark.parametrize("peer", ["minidl", "numpy_methods", "lean", "torch", "dezero",
                                  "micrograd"])
def test_mlp_steps_agree_with_the_numpy_floor(peer):
    d = PROBLEM.data()
    make = {"minidl": lambda: mlp.make_minidl(PROBLEM, d),
            "numpy_methods": lambda: mlp.make_numpy_methods(PROBLEM, d),
            "lean": lambda: lean.make_lean(PROBLEM, d),
            "torch": lambda: mlp.make_torch(PROBLEM, d, pytest.importorskip("torch")),
            "dezero": lambda: mlp.make_dezero(PROBLEM, d, peers.load_dezero()
                                              or pytest.skip("DeZero not installed")),
            "micrograd": lambda: mlp.make_micrograd(PROBLEM, d, peers.load_micrograd()
                                                    or pytest.skip("micrograd not installed"))}
    np.testing.assert_allclose(losses(make[peer]()), losses(mlp.make_numpy(PROBLEM, d)),
                               rtol=1e-5)


@pytest.mark.parametrize("name", activations.NAMES)
def test_activation_floor_matches_torch_and_minidl(name):
    torch = pytest.importorskip("torch")
    x = np.linspace(-30, 30, 2001, dtype=np.float32)
    g = np.random.default_rng(0).standard_normal(x.shape).astype(np.float32)
    y, dx = activations.make_numpy(name, x, g)()
    for make in (lambda: activations.make_torch(name, x, g, torch),
                 lambda: activations.make_minidl(name, x, g)):
        y2, dx2 = make()()
        np.testing.assert_allclose(y2, y, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(dx2, dx, rtol=1e-5, atol=1e-6)


def test_scalar_chains_reach_the_exact_value():
    runs = [chain.make_python(300), chain.make_minidl(300),
            chain.make_torch(300, pytest.importorskip("torch"))]
    engine, dezero = peers.load_micrograd(), peers.load_dezero()
    if engine:
        runs.append(chain.make_micrograd(300, engine))
    if dezero:
        runs.append(chain.make_dezero(300, dezero))
    for run in runs:
        np.testing.assert_allclose(run(), chain.exact(300), rtol=1e-4)


def test_peak_memory_sees_numpy_buffers():
    big = mlp.MLPProblem(batch=256, n_in=128, hidden=128, n_out=10)
    assert mlp.peak_memory(mlp.make_numpy(big, big.data())) > 256 * 128 * 4  # one (N, H) array


def test_measure_rounds_and_scale():
    def nap():
        time.sleep(0.001)

    cases = [harness.Case("a", nap), harness.Case("b", nap, scale=10.0, max_rounds=2)]
    harness.measure(cases, rounds=4, block=1e-4, warmup=0)
    assert len(cases[0].times) == 4 and len(cases[1].times) == 2
    assert cases[0].median >= 0.001 and cases[1].median > 5 * cases[0].median


def test_formatting():
    assert harness.fmt_ratio(766.5) == "766×" and harness.fmt_ratio(0.0041) == "0.0041×"
    assert harness.fmt_time(0.0123) == "12.3 ms" and harness.fmt_time(2.5e-5) == "25 µs"


def test_ratio_is_the_median_of_per_round_ratios():
    slow = harness.Case("slow", print, times=[2.0, 4.0, 8.0])
    fast = harness.Case("fast", print, times=[1.0, 2.0, 1.0])
    assert harness.ratio(slow, fast) == 2.0  # median of 2, 2, 8: the loaded third round is ignored
