"""Running report builds: one after another, or several at once (``-j N``).

The command line hands a list of :class:`ReportTask` to a :class:`ReportExecutor`
and gets one :class:`ReportOutcome` per task back, in the order they finish.
Two executors are here: :class:`SerialExecutor` (in this process) and
:class:`ProcessExecutor` (a pool of worker processes; each build starts its own
kernel, pandoc and WeasyPrint, so processes, not threads, use the cores).
Another executor (a cluster, say) only has to implement ``run``.

Builds are independent: a failing report does not stop the others, and its
outcome carries the message the command line prints. Progress events reach the
sink of the calling process (through a queue from worker processes).
"""
from __future__ import annotations

import multiprocessing
import os
import threading
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Callable, Iterator, Protocol

from .build import BuildOptions, BuildResult, build_name, build_report
from .config import Project
from .errors import CellExecutionFailed, EvalReportError
from .outputs.variants import HeadlineSuppressed


@dataclass(frozen=True)
class ReportTask:
    project: Project
    slug: str
    options: BuildOptions

    @property
    def name(self) -> str:
        """``slug``, or ``slug/variant`` for a variant of the report's matrix."""
        return build_name(self.slug, self.options)


@dataclass
class ReportOutcome:
    slug: str
    result: BuildResult | None = None
    error: str | None = None              # the message for the user ("evalreport: ..." lines)
    internal: bool = False                # a bug, not bad input: the message is a traceback
    refused: bool = False                 # not published: every headline result would be hidden

    @property
    def ok(self) -> bool:
        return self.error is None


class ReportExecutor(Protocol):
    def run(self, tasks: list[ReportTask], sink: Callable[[dict], None] | None) -> Iterator[ReportOutcome]:
        ...


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:                       # not on Linux
        return max(1, os.cpu_count() or 1)


def build_one(task: ReportTask, sink, checker=None) -> ReportOutcome:
    """Build one report, turning its failure into an outcome with the user's message."""
    try:
        result = build_report(task.project, task.slug, task.options, sink=sink, checker=checker)
    except CellExecutionFailed as exc:
        text = f"{exc}\nIntet af rapporten er udgivet; den tidligere udgave er uændret."
        outcome = ReportOutcome(task.name, error=text)
    except HeadlineSuppressed as exc:      # not published by rule, not a failure of the build
        outcome = ReportOutcome(task.name, error=str(exc), refused=True)
    except EvalReportError as exc:
        outcome = ReportOutcome(task.name, error=str(exc))
    except OSError as exc:                 # a full disk, a folder without write access
        from .cli import _os_error_sentence
        outcome = ReportOutcome(task.name, error=_os_error_sentence(exc))
    except Exception:
        outcome = ReportOutcome(task.name, error=traceback.format_exc(), internal=True)
    else:
        outcome = ReportOutcome(task.name, result=result)
        if sink is not None:
            sink({"slug": task.name, "kind": "done", "text": done_text(task, result)})
        return outcome
    if sink is not None:
        sink({"slug": task.name, "kind": "refused" if outcome.refused else "failed", "text": outcome.error})
    return outcome


def done_text(task: ReportTask, result: BuildResult) -> str:
    if result.unchanged:
        return f"uændret: version {result.version} er allerede bygget"
    try:
        where = result.folder.relative_to(task.project.root)
    except ValueError:
        where = result.folder
    cached = f"; fra cachen: {', '.join(result.cached)}" if result.cached else ""
    pages = f", {result.pages} sider" if result.pages else ""
    return f"færdig: {where}/ ({sum(result.timings.values()):.1f} s{pages}{cached})"


class SerialExecutor:
    """Builds in this process, one report after another (``checker``: the command's
    :class:`~evalreport.incremental.Checker`, so nothing is checked twice)."""

    def __init__(self, checker=None):
        self.checker = checker

    def run(self, tasks, sink=None):
        for task in tasks:
            yield build_one(task, sink, self.checker)


_worker_queue = None


def _init_worker(events) -> None:
    global _worker_queue
    _worker_queue = events


def _build_in_worker(task: ReportTask) -> ReportOutcome:
    sink = _worker_queue.put if _worker_queue is not None else None
    return build_one(task, sink)


class ProcessExecutor:
    """Builds in up to ``jobs`` worker processes."""

    def __init__(self, jobs: int):
        self.jobs = max(1, jobs)

    def run(self, tasks, sink=None):
        # spawn: fresh worker processes, never forked from this one (whose display thread
        # may hold a lock at the moment of a fork), and children of this process, so their
        # CPU time and exit are accounted here. The engine's heavy modules are imported in
        # the workers only when a stage needs them, so starting one costs little.
        ctx = multiprocessing.get_context("spawn")
        events = ctx.Queue()

        def pump():                          # worker events → the caller's sink, in order
            while True:
                try:
                    ev = events.get()
                except (EOFError, OSError):
                    return
                if ev is None:
                    return
                if sink is not None:
                    sink(ev)

        thread = threading.Thread(target=pump, daemon=True)
        try:
            with ProcessPoolExecutor(max_workers=min(self.jobs, len(tasks)), mp_context=ctx,
                                     initializer=_init_worker, initargs=(events,)) as pool:
                futures = {pool.submit(_build_in_worker, t): t for t in heaviest_first(tasks)}
                thread.start()
                try:
                    for future in as_completed(futures):
                        task = futures[future]
                        try:
                            outcome = future.result()
                        except Exception:      # the worker died (killed, out of memory)
                            outcome = ReportOutcome(task.name, error=traceback.format_exc(), internal=True)
                        yield outcome
                except BaseException as exc:   # Ctrl-C, SIGTERM: start nothing more ...
                    for future in futures:
                        future.cancel()
                    if type(exc) is not KeyboardInterrupt:   # ... and stop the running builds
                        _interrupt(pool)                      # (Ctrl-C reached them already)
                    raise
        finally:
            events.put(None)                   # the workers have exited: their events are queued
            if thread.is_alive():
                thread.join(timeout=5)


def _interrupt(pool) -> None:
    """Ctrl-C for the worker processes: each stops its kernel and removes its staging folder."""
    import signal
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            os.kill(process.pid, signal.SIGINT)
        except (OSError, AttributeError):
            pass


def heaviest_first(tasks: list[ReportTask]) -> list[ReportTask]:
    """The tasks with the largest documents first (longest-processing-time-first:
    with two workers, the long BOT build starts at once and the short reports fill
    the other worker, instead of BOT starting last and running alone). The size of
    the ``.qmd`` stands in for the cost: it is known before anything has run, and
    the reports' cells, tables and figures grow with it. Stable for equal sizes."""
    def size(task: ReportTask) -> int:
        try:
            return task.project.report_path(task.slug).stat().st_size
        except OSError:
            return 0
    return sorted(tasks, key=size, reverse=True)


def make_executor(jobs: int, tasks: int, checker=None, scheduler: str | None = None) -> ReportExecutor:
    """A Dask cluster when a scheduler address is given (:mod:`evalreport.cluster`);
    else processes when more than one report is to be built with ``jobs`` > 1."""
    if scheduler:
        from .cluster import DaskExecutor
        return DaskExecutor(scheduler, checker=checker)
    return ProcessExecutor(jobs) if jobs > 1 and tasks > 1 else SerialExecutor(checker)
