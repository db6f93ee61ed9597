"""Building on a Dask cluster: ``evalreport build --scheduler tcp://…`` (or ``$EVALREPORT_SCHEDULER``).

:class:`DaskExecutor` is the third :class:`~evalreport.parallel.ReportExecutor`.
Each build (a report, or one variant of its matrix) is **one task** on the
cluster; the calling machine alone publishes:

1. The caller checks the cache first (up-to-date builds never leave it), then
   submits one task per build with what the worker needs to reuse the cache:
   the caller's cache entries for that build (execution, HTML, PDF), as bytes.
2. The worker (:func:`build_on_worker`) builds into its own temporary folder
   with a private cache seeded from those entries, and returns the staged
   version folder and the cache entries it made, as bytes. It writes nothing
   into the project. Progress events travel as Dask events (``log_event``).
3. The caller unpacks the result into ``_site/.staging``, checks that the
   worker read the same inputs as the caller has (every source, data file and
   module recorded with its SHA-256), takes the cache entries into
   ``.evalreport-cache/`` and publishes exactly as a local build does
   (:func:`evalreport.build.publish_staged`: immutability check, atomic swap,
   site index, under the same locks).

A worker that dies mid-task (killed, out of memory) is not a failure: the
scheduler gives the task to another worker (Dask's ``allowed-failures``,
default 3), and since nothing is published until a whole result is back, the
site stays whole. A build that fails on its own (a failing cell, bad data, a
variant refused by the disclosure rules) comes back as an outcome with the same
message as locally; it is not retried.

**What the cluster must offer.** Every worker runs the same installation as the
caller: Python, the pinned packages and evalreport/analysis code (checked
before anything is submitted: :func:`environment`), so the same inputs give the
same bytes. The project's sources and data must be readable on the workers at
the same path as on the caller (a shared or synchronised folder; read only).
Results and cache entries do not go through that folder, and the caller verifies
each result's recorded inputs against its own files, so a worker that sees a
stale copy is caught, not published.

**One large report.** With a single build to do, the caller builds it itself
and passes the scheduler to the report's kernel (``EVALREPORT_SCHEDULER``):
``evalreport.author.cluster_map()`` then spreads the heavy analysis steps (the
bootstrap blocks of :mod:`analysis.psm`) over the workers. With several builds,
the builds are the tasks and their kernels compute locally on their worker
(a build waiting for its own blocks on a full cluster could wait forever).
"""
from __future__ import annotations

import io
import json
import os
import shutil
import tarfile
import tempfile
import time
import traceback
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from .build import (BuildOptions, StagedBuild, build_name, lock_path, publish_staged, report_lock_name,
                    stage_report)
from .errors import CellExecutionFailed, EvalReportError
from .outputs.atomic import lock
from .outputs.variants import HeadlineSuppressed
from .parallel import ReportOutcome, ReportTask, SerialExecutor, done_text
from .progress import Progress

TOPIC = "evalreport-progress"
CONNECT_TIMEOUT = 30          # seconds to reach the scheduler
SCHEDULER_ENV = "EVALREPORT_SCHEDULER"


# -- the environment every worker must share ------------------------------------------------------

def environment() -> dict:
    """What makes two machines compute the same bytes: Python, the installed packages, and
    the code of evalreport (with its templates) and analysis, by SHA-256."""
    from .engine import cache as C
    from .incremental import PACKAGE_DIR, toolchain_files

    root = PACKAGE_DIR.parent
    code = toolchain_files() + sorted(p for p in (root / "analysis").rglob("*.py")
                                      if "__pycache__" not in p.parts)
    return {"python": C.python_version(), "packages": C.installed_packages(),
            "code": {C.display_path(p, root): C.sha256_path(p) for p in code}}


def _worker_environment() -> dict:
    """:func:`environment` as a worker computes it (called there by name)."""
    return environment()


def environment_differences(mine: dict, theirs: dict) -> list[str]:
    out = []
    if mine["python"] != theirs.get("python"):
        out.append(f"Python {theirs.get('python')} (her: {mine['python']})")
    a, b = mine["packages"], theirs.get("packages") or {}
    pk = [f"{n} {b.get(n, 'mangler')} (her: {a.get(n, 'mangler')})" for n in sorted(set(a) | set(b))
          if a.get(n) != b.get(n)]
    if pk:
        out.append("pakker: " + ", ".join(pk[:5]) + (f" og {len(pk) - 5} flere" if len(pk) > 5 else ""))
    a, b = mine["code"], theirs.get("code") or {}
    code = sorted(n for n in set(a) | set(b) if a.get(n) != b.get(n))
    if code:
        out.append("koden: " + ", ".join(code[:5]) + (f" og {len(code) - 5} filer mere" if len(code) > 5 else ""))
    return out


# -- cache entries as bytes ---------------------------------------------------------------------------

def pack_entries(store_root: Path, refs: list[tuple[str, str]]) -> bytes:
    """The entry folders ``<kind>/<key>`` of a store as an (uncompressed) tar."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for kind, key in refs:
            folder = Path(store_root) / kind / key
            if (folder / "entry.json").is_file():
                tar.add(folder, arcname=f"{kind}/{key}")
    return buf.getvalue()


def entries_in(store_root: Path) -> list[tuple[str, str]]:
    """(kind, key) of every entry in a store."""
    out = []
    for meta in sorted(Path(store_root).glob("*/**/entry.json")):
        rel = meta.parent.relative_to(store_root).as_posix()
        kind, _, key = rel.partition("/")
        if kind not in ("locks",) and key:
            out.append((kind, key))
    return out


def unpack_entries(store, data: bytes) -> list[tuple[str, str]]:
    """Put the entries of a :func:`pack_entries` tar into ``store`` (one rename each, as
    :meth:`Store.put` does); an entry the store has already is kept, except ``last-run``
    (the newest execution of a report, for ``--explain``)."""
    if not data:
        return []
    store.ensure()
    added = []
    tmp = Path(tempfile.mkdtemp(prefix=".import-", dir=store.root))
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r") as tar:
            tar.extractall(tmp, filter="data")
        with store.lock("store"):
            for kind, key in entries_in(tmp):
                target = store.folder(kind, key)
                if target.exists():
                    if kind != "last-run":
                        continue
                    shutil.rmtree(target, ignore_errors=True)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.rename(tmp / kind / key, target)
                store.touched.add(target)
                added.append((kind, key))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return added


def pack_folder(folder: Path) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for path in sorted(Path(folder).rglob("*")):
            tar.add(path, arcname=path.relative_to(folder).as_posix(), recursive=False)
    return buf.getvalue()


def unpack_folder(data: bytes, folder: Path) -> None:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r") as tar:
        tar.extractall(folder, filter="data")


# -- the worker's side --------------------------------------------------------------------------------

def _sink(name: str, client_id: str):
    """Progress events of a build on a worker, as Dask events for the caller."""
    from distributed import get_worker
    worker = get_worker()

    def sink(ev: dict) -> None:
        try:
            worker.log_event(TOPIC, {**ev, "caller": client_id})
        except Exception:            # progress must never break a build
            pass
    return sink


def build_on_worker(spec: dict) -> dict:
    """One build on a Dask worker (see the module docstring); returns a plain dict:
    ``ok`` with the staged folder and the new cache entries as bytes, or ``error``
    (the user's message; ``refused`` for a variant whose headline results are hidden)."""
    from .config import load_project

    mine = environment()
    differences = environment_differences(spec["environment"], mine)
    if differences:
        return {"error": f"Arbejderen {_worker_address()} har ikke samme installation som maskinen, der "
                         f"bygger: {'; '.join(differences)}. Alle arbejdere skal køre samme Python, pakker og "
                         "kode, ellers bliver resultaterne ikke de samme."}
    root = Path(spec["root"])
    if not (root / "_quarto.yml").is_file():
        return {"error": f"Arbejderen {_worker_address()} kan ikke se projektet i {root}. Projektmappen skal "
                         "kunne læses på samme sti på alle arbejdere (fx et delt drev)."}
    # the kernel computes locally here: this build is already one task of the cluster
    os.environ.pop(SCHEDULER_ENV, None)
    # the stamp as on the caller: its SOURCE_DATE_EPOCH (or none), today's git status (a worker lives long)
    if spec.get("source_date_epoch"):
        os.environ["SOURCE_DATE_EPOCH"] = spec["source_date_epoch"]
    else:
        os.environ.pop("SOURCE_DATE_EPOCH", None)
    from .outputs.stamp import forget_git_state
    forget_git_state()
    work = Path(tempfile.mkdtemp(prefix="evalreport-task-", dir=_local_dir()))
    try:
        project = load_project(root)
        settings = {**project.settings, "cache": {**(project.settings.get("cache") or {}),
                                                  "dir": str(work / "cache")}}
        import dataclasses
        project = dataclasses.replace(project, settings=settings)
        from .engine.cache import Store
        store = Store.for_project(project)
        seeded = set(unpack_entries(store, spec.get("entries") or b""))
        options: BuildOptions = spec["options"]
        sink = _sink(build_name(spec["slug"], options), spec["caller"])
        try:
            staged = stage_report(project, spec["slug"], options, staging_root=work / "staging", sink=sink)
        except HeadlineSuppressed as exc:
            return {"error": str(exc), "refused": True}
        except CellExecutionFailed as exc:
            return {"error": f"{exc}\nIntet af rapporten er udgivet; den tidligere udgave er uændret."}
        except EvalReportError as exc:
            return {"error": str(exc)}
        made = [e for e in entries_in(store.root) if e not in seeded]
        return {"ok": True, "folder": pack_folder(staged.folder), "entries": pack_entries(store.root, made),
                "version": staged.version, "timings": dict(staged.progress.timings),
                "cells": list(staged.progress.cells), "cached": list(staged.progress.cached_stages),
                "worker": _worker_address()}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _worker_address() -> str:
    try:
        from distributed import get_worker
        return get_worker().address
    except Exception:
        return "?"


def _local_dir() -> str | None:
    try:
        from distributed import get_worker
        return get_worker().local_directory
    except Exception:
        return None


# -- the caller's side --------------------------------------------------------------------------------

@dataclass
class DaskExecutor:
    """Builds on the Dask cluster whose scheduler is at ``address`` (see the module docstring)."""
    address: str
    checker: object = None
    client: object = None                       # an existing distributed.Client (tests, benchmarks)
    _own_client: bool = field(default=False, repr=False)

    def connect(self):
        if self.client is not None:
            return self.client
        try:
            from distributed import Client
        except ImportError:
            raise EvalReportError("--scheduler kræver Dask: pip install 'evalreport[cluster]' "
                                  "(dask og distributed)") from None
        try:
            self.client = Client(self.address, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise EvalReportError(f"Kan ikke forbinde til Dask-scheduleren {self.address} ({exc}). Tjek "
                                  f"adressen (--scheduler eller ${SCHEDULER_ENV}), og at scheduleren kører.") \
                from None
        self._own_client = True
        return self.client

    def close(self) -> None:
        if self._own_client and self.client is not None:
            self.client.close()
            self.client = None

    def check_workers(self, client) -> dict:
        """The caller's environment, after checking that every worker has the same."""
        mine = environment()
        try:
            theirs = client.run(_worker_environment)
        except Exception as exc:
            raise EvalReportError(f"Dask-arbejderne svarer ikke ({type(exc).__name__}: {exc})") from None
        if not theirs:
            raise EvalReportError(f"Dask-scheduleren {self.address} har ingen arbejdere.")
        for address, env in sorted(theirs.items()):
            differences = environment_differences(mine, env)
            if differences:
                raise EvalReportError(f"Arbejderen {address} har ikke samme installation som denne maskine: "
                                      f"{'; '.join(differences)}. Alle arbejdere skal køre samme Python, pakker "
                                      "og kode, ellers bliver resultaterne ikke de samme; intet er bygget.")
        return mine

    def run(self, tasks, sink=None):
        tasks = list(tasks)
        if not tasks:
            return
        client = self.connect()
        try:
            mine = self.check_workers(client)
            if len(tasks) == 1:
                yield from self._run_here(tasks[0], sink)
                return
            yield from self._run_on_cluster(client, tasks, sink, mine)
        finally:
            self.close()

    def _run_here(self, task: ReportTask, sink):
        """One build: on this machine, its kernel spreading the analysis over the cluster."""
        old = os.environ.get(SCHEDULER_ENV)
        os.environ[SCHEDULER_ENV] = self.address
        try:
            yield from SerialExecutor(self.checker).run([task], sink)
        finally:
            if old is None:
                os.environ.pop(SCHEDULER_ENV, None)
            else:
                os.environ[SCHEDULER_ENV] = old

    def _run_on_cluster(self, client, tasks, sink, mine):
        from distributed import as_completed

        caller = uuid.uuid4().hex
        if sink is not None:
            def on_event(event):
                _, ev = event
                if isinstance(ev, dict) and ev.pop("caller", None) == caller:
                    sink(ev)
            client.subscribe_topic(TOPIC, on_event)
        futures = {}
        for task in tasks:
            if sink is not None:
                sink({"slug": task.name, "kind": "say", "time": time.time(), "text": "sendt til klyngen"})
            spec = {"root": str(task.project.root), "slug": task.slug, "options": task.options,
                    "environment": mine, "caller": caller, "entries": self._seed(task),
                    "source_date_epoch": os.environ.get("SOURCE_DATE_EPOCH")}
            future = client.submit(build_on_worker, spec, pure=False,
                                   key=f"evalreport-{task.name.replace('/', '-')}-{uuid.uuid4().hex[:8]}")
            futures[future] = task
        try:
            for future in as_completed(futures, loop=client.loop):
                task = futures[future]
                try:
                    payload = future.result()
                except Exception:       # lost on every worker it was tried on, or a bug
                    outcome = ReportOutcome(task.name, error=f"bygningen på klyngen mislykkedes:\n"
                                                             f"{traceback.format_exc()}", internal=True)
                else:
                    outcome = self._finish(task, payload, sink)
                yield outcome
        except BaseException:
            for future in futures:
                future.cancel()
            raise
        finally:
            if sink is not None:
                try:
                    client.unsubscribe_topic(TOPIC)
                except Exception:
                    pass

    def _seed(self, task: ReportTask) -> bytes:
        """The caller's cache entries this build can reuse (execution, HTML, PDF), as bytes."""
        if self.checker is None or not task.options.cache:
            return b""
        from .engine import cache as C
        from .incremental import pdf_key

        state = self.checker.state(task.slug, task.options)
        store = self.checker.store
        refs = []
        if state.execute == "cached":
            key = C.execution_key(_doc(task), task.slug, _params(task), self.checker.packages)
            full, _ = C.find_execution(store, key, task.project.root, self.checker.hashes)
            if full is not None:
                refs.append(("execute", full))
            if state.keys is not None:
                html = store.meta("html", state.keys.html)
                if html is not None:
                    refs.append(("html", state.keys.html))
                    refs.append(("pdf", pdf_key(html["page"], html["figures"], state.keys)))
        return pack_entries(store.root, refs)

    def _finish(self, task: ReportTask, payload: dict, sink) -> ReportOutcome:
        """Take a worker's result home: unpack, verify, cache and publish it."""
        if not payload.get("ok"):
            outcome = ReportOutcome(task.name, error=payload["error"], refused=bool(payload.get("refused")))
            if sink is not None:
                sink({"slug": task.name, "kind": "refused" if outcome.refused else "failed",
                      "time": time.time(), "text": outcome.error})
            return outcome
        project, options = task.project, task.options
        out = project.output_dir
        progress = Progress(task.name, options.quiet, sink)
        try:
            from .engine.cache import Store
            staging = out / ".staging"
            staging.mkdir(parents=True, exist_ok=True)
            folder = Path(tempfile.mkdtemp(prefix=f"{task.slug}-{os.getpid()}-", dir=staging))
            try:
                unpack_folder(payload["folder"], folder)
                manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
                store = Store.for_project(project)
                unpack_entries(store, payload["entries"])
                stale = verify_inputs(project, manifest, store)
                if stale:
                    raise EvalReportError(
                        f"Arbejderen {payload.get('worker')} læste andre filer end dem, denne maskine har "
                        f"({', '.join(stale[:5])}{' …' if len(stale) > 5 else ''}); resultatet er ikke udgivet. "
                        "Projektmappen skal være den samme på alle arbejdere.")
                progress.timings.update(payload.get("timings") or {})
                progress.cells = [tuple(c) for c in payload.get("cells") or []]
                progress.cached_stages = list(payload.get("cached") or [])
                html = folder / "index.html" if manifest.get("html") else None
                pdf = folder / manifest["pdf"] if manifest.get("pdf") else None
                if options.to == "pdf" and (folder / "index.html").is_file():
                    html = None
                staged = StagedBuild(task.slug, manifest["version"], folder, manifest, html, pdf,
                                     manifest.get("pdf_pages"), progress)
                with lock(lock_path(out, report_lock_name(task.slug, options)), f"en bygning af '{task.slug}'",
                          say=progress.say):
                    result = publish_staged(project, task.slug, staged, options)
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise
        except EvalReportError as exc:
            outcome = ReportOutcome(task.name, error=str(exc))
        except OSError as exc:
            from .cli import _os_error_sentence
            outcome = ReportOutcome(task.name, error=_os_error_sentence(exc))
        except Exception:
            outcome = ReportOutcome(task.name, error=traceback.format_exc(), internal=True)
        else:
            if sink is not None:
                sink({"slug": task.name, "kind": "done", "time": time.time(), "text": done_text(task, result)})
            return ReportOutcome(task.name, result=result)
        if sink is not None:
            sink({"slug": task.name, "kind": "failed", "time": time.time(), "text": outcome.error})
        return outcome


def _doc(task: ReportTask):
    from .engine.qmd import read_qmd
    return read_qmd(task.project.report_path(task.slug))


def _params(task: ReportTask) -> dict:
    """The parameters the build runs with (a variant's values added, checked as the build does)."""
    from .engine.execute import check_params
    from .matrix import variant_params

    doc = _doc(task)
    params = task.options.params
    if task.options.variant:
        _, params = variant_params(task.project, task.slug, doc, task.options.variant, params)
    return check_params(doc, params) if params else {}


def verify_inputs(project, manifest: dict, store) -> list[str]:
    """Display paths of the files a remote build read (sources, data, imported modules)
    whose SHA-256 differs from this machine's copy."""
    from .engine import cache as C

    hashes = store.hashes()
    root = Path(project.root)
    stale = [r["path"] for r in (manifest.get("sources") or []) + (manifest.get("inputs") or [])
             if hashes.sha256(C.resolve_display(r["path"], root)) != r["sha256"]]
    key = ((manifest.get("cache") or {}).get("execution") or {}).get("key")
    meta = store.meta("execute", key) if key else None
    if meta is not None:
        stale += [p for p in C.deps_match(meta.get("deps", []), root, hashes) if p not in stale]
    return stale
