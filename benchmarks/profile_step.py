"""Where minidl's time goes in one training step at course scale (benchmark (a)).

    .venv/bin/python benchmarks/profile_step.py [--batch 32] [--steps 3000]

1. Parts of the step timed on their own, interleaved with the NumPy floor (harness.py):
   forward, loss, backward, optimizer, and each public wrapper against the bare `Function.apply`
   it calls (the difference is input validation).
2. cProfile of many steps, self time summed by where it is spent (minidl file, NumPy, builtins)
   and the top functions. cProfile inflates Python calls, so read its shares, not its times.
3. Python bytecodes executed in one step, by function, next to the floor's. Unlike times,
   these counts do not drift with the machine: compare them before and after an engine change.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
from collections import Counter, defaultdict

import numpy as np

import mlp
from harness import Case, fmt_time, measure

import minidl
import minidl.functional as F
from minidl import nn


def parts(batch: int) -> list[Case]:
    problem = mlp.MLPProblem(batch, 64, 64, 10)
    d = problem.data()
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    x, y = minidl.tensor(d["x"]), minidl.tensor(d["y"])
    w, b = model[0].weight, model[0].bias
    h = model[0](x)
    logits = minidl.tensor(model(x).data, requires_grad=True)
    tiny = minidl.tensor([1.0], requires_grad=True)

    params = model.parameters()

    def forward_loss_backward():
        for p in params:  # as opt.zero_grad() does
            p.grad = None
        F.cross_entropy(model(x), y).backward()

    # opt.step() alone, on copies of the parameters (repeated steps must not change `model`)
    copies = [minidl.tensor(p.data, requires_grad=True) for p in params]
    for c in copies:
        c.grad = minidl.tensor(np.full_like(c.data, 1e-3))
    opt = minidl.optim.SGD(copies, lr=problem.lr)
    return [
        Case("NumPy floor: whole step", mlp.make_numpy(problem, d)),
        Case("minidl: whole step", mlp.make_minidl(problem, d)),
        Case("  model(x)  (2 Linear + ReLU)", lambda: model(x)),
        Case("  model(x) + cross_entropy", lambda: F.cross_entropy(model(x), y)),
        Case("  model(x) + cross_entropy + backward", forward_loss_backward),
        Case("  opt.step()  (4 parameters)", opt.step),
        Case("F.linear(x, w, b)", lambda: F.linear(x, w, b)),
        Case("  LinearFn.apply(x, w, b)", lambda: F.LinearFn.apply(x, w, b)),
        Case("  NumPy: x @ w.T + b", lambda: x.data @ w.data.T + b.data),
        Case("F.relu(h)", lambda: F.relu(h)),
        Case("  ReluFn.apply(h)", lambda: F.ReluFn.apply(h)),
        Case("F.cross_entropy(logits, y)", lambda: F.cross_entropy(logits, y)),
        Case("  CrossEntropyFn.apply(logits, ...)",
             lambda: F.CrossEntropyFn.apply(logits, target=y.data, reduction="mean")),
        Case("Function.apply overhead: tiny * tiny", lambda: tiny * tiny),
        Case("  NumPy: a * a on the same 1-element array", lambda: tiny.data * tiny.data),
    ]


def by_location(stats: pstats.Stats) -> dict[str, float]:
    """Self time summed by file (minidl modules by name), NumPy, and built-in functions."""
    groups: dict[str, float] = defaultdict(float)
    for (filename, _, name), (_, _, self_time, _, _) in stats.stats.items():
        if "/minidl/" in filename:
            key = "minidl/" + filename.split("/minidl/")[-1]
        elif "numpy" in filename or "numpy" in name:
            key = "NumPy (Python parts and C calls)"
        elif filename == "~":
            key = "Python built-ins: " + name.strip("{}<>").replace("built-in method ", "")
        else:
            key = filename.rsplit("/", 1)[-1]
        groups[key] += self_time
    return dict(sorted(groups.items(), key=lambda kv: -kv[1]))


def bytecodes(step) -> Counter:
    """How many bytecodes one call of `step` executes, by function ("file:function")."""
    counts: Counter = Counter()

    def trace(frame, event, arg):
        frame.f_trace_opcodes = True
        if event == "opcode":
            code = frame.f_code
            counts[f"{code.co_filename.rsplit('/', 1)[-1]}:{code.co_name}"] += 1
        return trace

    step()  # warm: caches, optimizer state
    sys.settrace(trace)
    try:
        step()
    finally:
        sys.settrace(None)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--steps", type=int, default=3000)
    args = parser.parse_args()

    print(f"1. parts of a minidl training step, batch {args.batch}, 64-64-10 (median of 30 "
          f"interleaved rounds)")
    cases = parts(args.batch)
    measure(cases, rounds=30)
    for c in cases:
        print(f"    {c.name:<48}{fmt_time(c.median):>10}")

    problem = mlp.MLPProblem(args.batch, 64, 64, 10)
    step = mlp.make_minidl(problem, problem.data())
    for _ in range(100):
        step()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(args.steps):
        step()
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = stats.total_tt
    print(f"\n2. cProfile of {args.steps} steps: self time by location (share of "
          f"{total:.2f} s under the profiler)")
    for key, seconds in list(by_location(stats).items())[:12]:
        print(f"    {key:<48}{100 * seconds / total:>6.1f} %")
    print("\n   top functions by self time")
    rows = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:15]
    for (filename, line, name), (_, calls, self_time, cum_time, _) in rows:
        where = filename.split("/minidl/")[-1].rsplit("/", 1)[-1]
        print(f"    {100 * self_time / total:5.1f} %  self, {100 * cum_time / total:5.1f} % cum  "
              f"{calls // args.steps:>3}/step  {where}:{line} {name}")

    counts = bytecodes(step)
    floor = sum(bytecodes(mlp.make_numpy(problem, problem.data())).values())
    print(f"\n3. Python bytecodes in one step: minidl {sum(counts.values())}, NumPy floor {floor}")
    for name, n in counts.most_common(12):
        print(f"    {n:>6}  {name}")


if __name__ == "__main__":
    main()
