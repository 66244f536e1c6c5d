"""Progress for long commands: a tqdm bar on a terminal, plain log lines elsewhere."""

import os
import sys
import time
from contextlib import contextmanager

from tqdm import tqdm


class Progress:
    """Tracks bytes done of a known total, plus a count of papers for the rate."""

    def __init__(self, label: str, total: int, stream=None, log_every: float = 5.0, unit="B"):
        self.label = label
        self.total = total
        self.stream = stream or sys.stderr
        self.papers = 0
        self.done = 0
        self.started = time.monotonic()
        self.log_every = log_every
        self.noun = "papers" if unit == "B" else unit  # what the count in the line counts
        self._last_log = self.started
        self.bar = (
            tqdm(
                total=total,
                desc=label,
                unit=unit,
                unit_scale=True,
                unit_divisor=1024 if unit == "B" else 1000,
                file=self.stream,
                dynamic_ncols=True,
            )
            if self.stream.isatty()
            else None
        )

    def update(self, done: int, papers: int) -> None:
        self.papers = papers
        if self.bar is not None:
            self.bar.update(done - self.done)
            self.bar.set_postfix_str(f"{papers:,} {self.noun}, {self.rate():,.0f}/s", refresh=False)
        elif time.monotonic() - self._last_log >= self.log_every:
            self._last_log = time.monotonic()
            print(self._line(done), file=self.stream, flush=True)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()

    def rate(self) -> float:
        return self.papers / max(time.monotonic() - self.started, 1e-9)

    def _line(self, done: int) -> str:
        fraction = done / self.total if self.total else 1.0
        rate = self.rate()
        elapsed = time.monotonic() - self.started
        eta = elapsed / fraction - elapsed if fraction > 0 else 0.0
        return (
            f"{self.label}: {fraction:6.1%}  {self.papers:,} {self.noun}  "
            f"{rate:,.0f} {self.noun}/s  ETA {time.strftime('%H:%M:%S', time.gmtime(eta))}"
        )


class Phases:
    """Wall and CPU seconds of each step of a long command (`reindex` prints them, and the
    build bench reads them): `with phases("links"): ...`. CPU is the whole process's, so
    it counts every thread running meanwhile (Tantivy's, the tokenizer's), and the child
    processes that ended within the step (the index's embedding process)."""

    def __init__(self):
        self.steps: list[tuple[str, float, float]] = []

    @contextmanager
    def __call__(self, name: str):
        wall, cpu = time.perf_counter(), cpu_seconds()
        try:
            yield
        finally:
            self.steps.append((name, time.perf_counter() - wall, cpu_seconds() - cpu))

    def lines(self, papers: int) -> list[str]:
        """One line per step: `phase NAME: W s wall, C s CPU, R papers/s, P papers per
        CPU-second`."""
        return [
            f"phase {name}: {wall:.1f} s wall, {cpu:.1f} s CPU, "
            f"{papers / max(wall, 1e-9):,.0f} papers/s, "
            f"{papers / max(cpu, 1e-9):,.0f} papers per CPU-second"
            for name, wall, cpu in self.steps
        ]


def cpu_seconds() -> float:
    """CPU seconds of this process and of its children that have ended."""
    times = os.times()
    return time.process_time() + times.children_user + times.children_system
