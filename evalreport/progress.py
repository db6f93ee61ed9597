"""Progress of report builds: events from each build, shown live or as plain lines.

A build reports through :class:`Progress`: stages starting and finishing (with
timings), stages taken from the cache, the cell running (n of N, its label and
line), warnings. Without a *sink* it prints plain ``[slug] …`` lines on stderr,
as a library call should. The command line passes a :class:`Display` as sink
(through a queue when reports build in other processes), which shows

* on a terminal, a live table (rich) with one row per report: the stage, the
  cell running with its elapsed time, and the result when done;
* otherwise (CI logs, pipes), plain lines: stage start and end, and for a cell
  that runs long a line after 5 s and every 30 s after that, then its time.

Warnings are shown also with ``--quiet``.
"""
from __future__ import annotations

import sys
import threading
import time
from contextlib import contextmanager

SLOW_CELL = 5.0            # plain lines: first line about a running cell after this many seconds
HEARTBEAT = 30.0           # ... and again every this many seconds


class Progress:
    """The events of one report's build; plain lines on stderr unless a sink takes them."""

    def __init__(self, slug: str, quiet: bool, sink=None):
        self.slug, self.quiet, self.sink, self.timings = slug, quiet, sink, {}
        self.cells: list[tuple[int, int, str | None, float]] = []   # number, line, label, seconds
        self.cached_stages: list[str] = []

    def emit(self, kind: str, **data) -> None:
        if self.sink is not None:
            self.sink({"slug": self.slug, "kind": kind, "time": time.time(), **data})

    def say(self, text: str) -> None:
        if self.sink is not None:
            self.emit("say", text=text)
        elif not self.quiet:
            print(f"[{self.slug}] {text}", file=sys.stderr, flush=True)

    def warn(self, text: str) -> None:
        """Warnings are shown even with --quiet."""
        if self.sink is not None:
            self.emit("warn", text=text)
        else:
            print(f"[{self.slug}] ADVARSEL: {text}", file=sys.stderr, flush=True)

    @contextmanager
    def stage(self, name: str):
        if self.sink is not None:
            self.emit("stage", name=name)
        else:
            self.say(f"{name} …")
        start = time.perf_counter()
        yield
        self.timings[name] = time.perf_counter() - start
        if self.sink is not None:
            self.emit("stage-done", name=name, seconds=self.timings[name])
        else:
            self.say(f"{name} færdig på {self.timings[name]:.1f} s")

    def cached(self, name: str) -> None:
        self.cached_stages.append(name)
        if self.sink is not None:
            self.emit("cached", name=name)
        else:
            self.say(f"{name}: fra cachen")

    def cell(self, cell, index: int, total: int) -> None:
        """The kernel starts cell ``index`` of ``total`` (only the sink hears of it)."""
        self.emit("cell", number=cell.number, line=cell.line, label=cell.label,
                  index=index, total=total)


def _cell_text(ev: dict) -> str:
    label = f" {ev['label']}" if ev.get("label") else ""
    return f"celle {ev['index']}/{ev['total']}{label} (linje {ev['line']})"


class _Report:
    def __init__(self, slug: str):
        self.slug = slug
        self.stage = "venter"
        self.stage_start: float | None = None
        self.cell: dict | None = None
        self.cell_start = 0.0
        self.cell_said = 0.0
        self.done: str | None = None
        self.failed = False
        self.start = time.time()


class Display:
    """The sink for the command line (see the module docstring). Thread-safe; use as
    a context manager around the builds."""

    def __init__(self, slugs: list[str], quiet: bool = False, live: bool | None = None, stream=None):
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.reports = {s: _Report(s) for s in slugs}
        self.live = (not quiet and self.stream.isatty()) if live is None else live
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread = None
        self._rich = None

    # lifecycle
    def __enter__(self):
        if self.live:
            from rich.console import Console
            from rich.live import Live
            console = Console(file=self.stream)
            self._rich = Live(self, console=console, refresh_per_second=4, transient=False)
            self._rich.__enter__()
        elif not self.quiet:
            self._thread = threading.Thread(target=self._heartbeat, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        if self._rich is not None:
            self._rich.__exit__(*exc)
        if self._thread is not None:
            self._thread.join(timeout=2)
        return False

    # printing
    def _line(self, text: str) -> None:
        if self._rich is not None:
            self._rich.console.print(text, markup=False, highlight=False)
        else:
            print(text, file=self.stream, flush=True)

    def __call__(self, ev: dict) -> None:
        with self._lock:
            r = self.reports.setdefault(ev["slug"], _Report(ev["slug"]))
            kind, slug = ev["kind"], ev["slug"]
            now = time.time()
            if kind == "warn":
                self._line(f"[{slug}] ADVARSEL: {ev['text']}")
                return
            if kind in ("failed", "refused"):
                r.failed, r.cell = True, None
                r.done = "fejlede (se fejlen nedenfor)" if kind == "failed" else \
                    "ikke udgivet: alle hovedresultater ville være skjult (se nedenfor)"
                if not self.live:
                    self._line(f"[{slug}] {r.done}")
                return
            if kind == "cell":
                self._finish_cell(r, now)
                r.cell, r.cell_start, r.cell_said = ev, now, 0.0
                return
            if kind == "stage":
                self._finish_cell(r, now)
                r.stage, r.stage_start, r.cell = ev["name"], now, None
                if not self.live and not self.quiet:
                    self._line(f"[{slug}] {ev['name']} …")
            elif kind == "stage-done":
                self._finish_cell(r, now)
                r.cell = None
                if not self.live and not self.quiet:
                    self._line(f"[{slug}] {ev['name']} færdig på {ev['seconds']:.1f} s")
            elif kind == "cached":
                r.stage = f"{ev['name']} fra cachen"
                if not self.live and not self.quiet:
                    self._line(f"[{slug}] {ev['name']}: fra cachen")
            elif kind == "done":
                r.done, r.cell = ev["text"], None
                if not self.live and not self.quiet:          # live: the table's row says it
                    self._line(f"[{slug}] {ev['text']}")
            elif kind == "say":
                if not self.live and not self.quiet:
                    self._line(f"[{slug}] {ev['text']}")

    def _finish_cell(self, r: _Report, now: float) -> None:
        """Plain lines: the time of a cell that was reported as running long."""
        if r.cell is not None and r.cell_said and not self.live and not self.quiet:
            self._line(f"[{r.slug}] {_cell_text(r.cell)} færdig på {now - r.cell_start:.1f} s")

    def _heartbeat(self) -> None:
        while not self._stop.wait(1.0):
            with self._lock:
                now = time.time()
                for r in self.reports.values():
                    if r.cell is None:
                        continue
                    running = now - r.cell_start
                    due = SLOW_CELL if not r.cell_said else r.cell_said + HEARTBEAT
                    if running >= due:
                        r.cell_said = running
                        self._line(f"[{r.slug}] {_cell_text(r.cell)} kører … {running:.0f} s")

    # the live table (rich calls this several times a second)
    def __rich__(self):
        from rich.table import Table
        from rich.text import Text

        table = Table.grid(padding=(0, 2))
        now = time.time()
        with self._lock:
            for r in self.reports.values():
                name = Text(r.slug, style="bold")
                if r.done is not None:
                    table.add_row(name, Text(r.done, style="red" if r.failed else "green"), Text(""), Text(""))
                    continue
                detail = _cell_text(r.cell) if r.cell is not None else ""
                elapsed = f"{now - r.cell_start:5.1f} s" if r.cell is not None else \
                    (f"{now - r.stage_start:5.1f} s" if r.stage_start else "")
                table.add_row(name, Text(r.stage), Text(detail), Text(elapsed, style="cyan"))
        return table
