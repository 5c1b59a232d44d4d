"""The timing harness: interleaved rounds, medians, and the tables `bench.py` prints.

Each case is a zero-argument callable doing one unit of work (one training step, one
forward + backward). `measure` warms every case up, picks per case how many calls make one
timed block (about `block` seconds), then runs `rounds` rounds; in each round every case
times one block, in a shuffled order, with the garbage collector off. Interleaving spreads
the machine's load spikes over all cases alike, and the median over rounds ignores them.
Ratios are the median of per-round ratios: two blocks of one round ran a moment apart, under
the same load, so their ratio is steadier than the ratio of two medians.
"""
from __future__ import annotations

import gc
import os
import platform
import random
import statistics
import time
from dataclasses import dataclass, field
from typing import Callable

clock = time.perf_counter


@dataclass
class Case:
    """One implementation of the measured work. `scale` multiplies the measured time when a
    reduced problem stands for the full one (e.g. micrograd on 1/16 of the batch)."""

    name: str
    fn: Callable[[], object]
    scale: float = 1.0
    max_rounds: int | None = None
    times: list[float] = field(default_factory=list)  # seconds per call, already scaled

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def best(self) -> float:
        return min(self.times)


def _time_block(fn: Callable[[], object], number: int) -> float:
    """Seconds per call over `number` back-to-back calls, with the garbage collector off."""
    gc.collect()
    gc.disable()
    try:
        start = clock()
        for _ in range(number):
            fn()
        return (clock() - start) / number
    finally:
        gc.enable()


def measure(cases: list[Case], rounds: int, block: float = 0.02, warmup: float = 0.05) -> None:
    """Fill `case.times` for every case: `rounds` interleaved rounds of one block each."""
    gc.collect()
    gc.freeze()  # what exists now (torch's modules...) is never scanned again: collects stay fast
    numbers = []
    for case in cases:
        start, calls = clock(), 0
        while calls < 2 or (clock() - start < warmup and calls < 1000):
            case.fn()
            calls += 1
        single = _time_block(case.fn, 1)
        numbers.append(max(1, round(block / max(single, 1e-9))))
    order = list(zip(cases, numbers))
    shuffle = random.Random(0).shuffle
    for _ in range(rounds):
        shuffle(order)  # so no case always runs right after the same other one
        for case, number in order:
            if case.max_rounds is None or len(case.times) < case.max_rounds:
                case.times.append(_time_block(case.fn, number) * case.scale)


def ratio(case: Case, reference: Case) -> float:
    """Median over the rounds both ran of case time / reference time in the same round."""
    return statistics.median(a / b for a, b in zip(case.times, reference.times))


def steady_malloc() -> bool:
    """Fix glibc's malloc thresholds so freed large buffers are reused, not returned to the OS.

    By default glibc moves its mmap threshold as blocks are freed, so whether a 4 MB temporary
    comes back from the heap or as fresh, page-faulted memory depends on what ran before: the
    same code then swings 2-3× from one process to the next. With both thresholds fixed at
    32 MB and 1 GB (mallopt), timings measure the arithmetic and memory traffic. Returns False
    where there is no glibc (macOS, Windows, musl).
    """
    import ctypes
    import ctypes.util
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3
    return bool(mallopt(m_trim_threshold, 1 << 30)) and bool(mallopt(m_mmap_threshold, 1 << 25))


def fmt_time(seconds: float) -> str:
    """1.23 s, 45.6 ms or 789 µs, three significant digits."""
    for unit, factor in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= factor:
            value = seconds / factor
            return f"{value:.3g} {unit}" if value < 100 else f"{value:.0f} {unit}"
    return f"{seconds * 1e9:.0f} ns"


def fmt_ratio(r: float) -> str:
    """2.35×, 14.2×, 766×, or 0.0041× for ratios far below one."""
    if r >= 100:
        return f"{r:.0f}×"
    return f"{r:.1f}×" if r >= 10 else (f"{r:.2f}×" if r >= 0.1 else f"{r:.2g}×")


def print_table(cases: list[Case], floor: str | None, torch: str | None = "torch") -> None:
    """One line per case: median, best, ratio to the `floor` case and to the `torch` case
    (median of per-round ratios)."""
    by_name = {c.name: c for c in cases}
    head = f"    {'implementation':<34}{'median':>10}{'best':>10}"
    head += f"{'× floor':>10}" if floor else ""
    head += f"{'× torch':>10}" if torch in by_name else ""
    print(head)
    for c in cases:
        line = f"    {c.name:<34}{fmt_time(c.median):>10}{fmt_time(c.best):>10}"
        if floor:
            line += f"{fmt_ratio(ratio(c, by_name[floor])):>10}"
        if torch in by_name:
            line += f"{fmt_ratio(ratio(c, by_name[torch])):>10}"
        print(line)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_line() -> str:
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (f"{os.cpu_count()} cores ({cpu_model()}), {platform.system()} "
            f"{platform.release()}, load average {load}")
