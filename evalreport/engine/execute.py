"""Running a document's cells in one fresh Jupyter kernel (nbclient + ipykernel).

The kernel starts in the report's folder. Parameters work as Quarto does it for
Python: the cell tagged ``parameters`` holds the defaults and a cell with the
``-P name=value`` overrides is injected right after it. Inline expressions
(`` `{python} expr` ``) are evaluated in the same kernel, at their place in the
document, so they see exactly the state the prose around them describes.
"""
from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from jupyter_client import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbclient.util import run_sync

from ..errors import CellExecutionFailed, QmdSyntaxError
from .qmd import CodeCell, Markdown, QmdDocument, declared_parameters

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
INLINE_MARK = "__EVALREPORT_INLINE__"
PROJECT_ROOT = Path(__file__).resolve().parents[2]

_SETUP = r'''
import os as _er_os, sys as _er_sys, json as _er_json
_er_os.environ["EVALREPORT_TABLES_DIR"] = {tables_dir!r}
_er_os.environ["EVALREPORT_REPORT"] = {report!r}
if {root!r} not in _er_sys.path:
    _er_sys.path.insert(0, {root!r})
try:   # SciPy's import-time docstring tables: half a second of every kernel (engine/scipy_docs.py)
    from evalreport.engine.scipy_docs import skip_array_api_notes as _er_skip
    _er_skip()
except Exception:
    pass
try:
    import matplotlib as _er_mpl
    _er_mpl.use("module://matplotlib_inline.backend_inline")
    # Fixed salt and no date: the same figure gives the same SVG bytes.
    _er_mpl.rcParams["svg.hashsalt"] = "evalreport"
    _er_mpl.rcParams["svg.fonttype"] = "none"
    _er_mpl.rcParams["axes.formatter.use_locale"] = False
    from matplotlib_inline.backend_inline import set_matplotlib_formats as _er_formats
    _er_formats({fig_format!r}, metadata={fig_metadata!r}, bbox_inches="tight", **{fig_kwargs!r})
except ImportError:
    pass
# Figures are drawn by forked children while the kernel goes on (engine/figure_forks.py).
from evalreport.engine.figure_forks import defer_figures as _er_defer, wait_figures as _er_figures_wait
if {fork_figures!r}:
    _er_defer({figures!r})
# What a cell leaves behind is frozen out of the cyclic garbage collector: its full collections
# otherwise walk every object of the imports and data again (BOT: 0,65 s in six collections; with
# this 0,16 s, and 4 % more memory: cycles that die later are not collected). Forked children
# (figures, psm pools) then do not touch those objects' pages either.
import gc as _er_gc
get_ipython().events.register("post_execute", _er_gc.freeze)

def __evalreport_inline__(exprs, ns):
    out = []
    for i, expr in enumerate(exprs):
        try:
            value = eval(expr, ns)
        except Exception as exc:
            raise RuntimeError(f"inline-udtryk nr. {{i + 1}} `{{expr}}`: {{type(exc).__name__}}: {{exc}}") from exc
        if hasattr(value, "_repr_markdown_"):
            out.append(["md", str(value._repr_markdown_())])
        else:
            out.append(["text", str(value)])
    print({mark!r} + _er_json.dumps(out))
'''


@dataclass
class ExecutionResult:
    outputs: dict[int, list] = field(default_factory=dict)       # cell number -> nbformat outputs
    inline: dict[int, list] = field(default_factory=dict)        # id of Markdown block -> [kind, text]
    seconds: dict[int, float] = field(default_factory=dict)      # cell number -> execution time


def _type_word(value) -> str:
    return {bool: "sand/falsk (true/false)", int: "et heltal", float: "et tal", str: "tekst",
            list: "en liste", dict: "en ordbog"}.get(type(value), type(value).__name__)


def check_params(doc: QmdDocument, params: dict) -> dict:
    """The ``-P`` values, checked against the parameters cell before anything runs.

    An unknown name, or a value of another type than the default's, is an
    EvalReportError listing the report's parameters. Numbers given to a text
    parameter become text; an integer given to a float parameter becomes a float.
    """
    from ..errors import EvalReportError

    if not params:
        return {}
    declared = declared_parameters(doc)
    listing = ", ".join(f"{k} (standard {v!r})" if v is not ... else k for k, v in declared.items()) or "ingen"
    checked = {}
    for name, value in params.items():
        if name not in declared:
            raise EvalReportError(f"{doc.path}: rapporten har ingen parameter '{name}' (-P {name}=…). "
                                  f"Rapportens parametre: {listing}")
        default = declared[name]
        if default is ... or default is None or value is None:
            checked[name] = value
        elif isinstance(default, bool) or isinstance(value, bool):
            if not (isinstance(default, bool) and isinstance(value, bool)):
                raise EvalReportError(f"-P {name}={value!r}: '{name}' skal være {_type_word(default)}. "
                                      f"Rapportens parametre: {listing}")
            checked[name] = value
        elif isinstance(default, float) and isinstance(value, int):
            checked[name] = float(value)
        elif isinstance(default, str) and isinstance(value, (int, float)):
            checked[name] = str(value)
        elif not isinstance(value, type(default)):
            raise EvalReportError(f"-P {name}={value!r}: '{name}' skal være {_type_word(default)} "
                                  f"(standard {default!r}), ikke {_type_word(value)}. "
                                  f"Rapportens parametre: {listing}")
        else:
            checked[name] = value
    return checked


def parameters_source(params: dict) -> str:
    lines = ["# Parametre injiceret af evalreport (-P)"]
    for name, value in params.items():
        if not name.isidentifier():
            raise ValueError(f"ugyldigt parameternavn '{name}'")
        lines.append(f"{name} = {value!r}")
    return "\n".join(lines)


#: Kernel options: IPython's input history (an SQLite file and a writer thread) is not kept.
_KERNEL_ARGS = ["--HistoryManager.enabled=False"]

#: Defaults of the limits (``evalreport: execute:`` in _quarto.yml overrides them).
DEFAULT_TIMEOUT = 1200          # seconds per cell
DEFAULT_MAX_OUTPUT_MB = 20      # output per cell


class OutputLimitExceeded(Exception):
    """A cell printed more than the output limit."""


def _output_bytes(output) -> int:
    """What an output (or an output message's content) counts against the output limit."""
    return len(output.get("text", "") or "") + sum(len(v) for v in (output.get("data") or {}).values()
                                                   if isinstance(v, str))


def _output_limit_failure(report, doc, kind, ref, max_output_mb) -> CellExecutionFailed:
    return _limit_failure(report, doc, kind, ref, "OutputLimitExceeded",
                          f"cellen skrev mere end {max_output_mb:g} MB output; grænsen sættes med "
                          "evalreport: execute: max-output-mb i _quarto.yml")


class _LimitedClient(NotebookClient):
    """nbclient with a per-cell output limit: past it the cell is stopped at once
    (the reply wait is cancelled and the kernel shut down) instead of the page growing."""

    output_limit: int = 0
    cell_bytes: int = 0
    exceeded: bool = False

    def output(self, outs, msg, display_id, cell_index):
        self.cell_bytes += _output_bytes(msg.get("content", {}))
        if self.output_limit and self.cell_bytes > self.output_limit:
            self.exceeded = True
            if self.task_poll_for_reply is not None:
                self.task_poll_for_reply.cancel()
            raise OutputLimitExceeded()
        return super().output(outs, msg, display_id, cell_index)


FIG_FORMATS = ("svg", "png", "retina")


#: glibc malloc settings of the kernel (and the processes it forks: the psm pools, figure children).
#: By default glibc gives every allocation from 128 KB up (its threshold grows with what is freed,
#: to at most 32 MB) its own mmap, and returns memory at the top of the heap to the system as soon as
#: 128 KB are free there: numpy's temporaries of a few hundred KB to tens of MB are then paged in
#: afresh, page fault by page fault, each time one is made. With these, freed memory stays in the
#: process and is reused (BOT's execute stage: 0,35 s less in five A/B pairs, ``benchmarks/
#: incremental.py``), at the price of a kernel that keeps its peak heap until it ends.
KERNEL_MALLOC = {"glibc.malloc.mmap_threshold": 32 * 2 ** 20, "glibc.malloc.trim_threshold": 2 ** 30,
                 "glibc.malloc.top_pad": 64 * 2 ** 20}


def kernel_malloc_tunables(given: str = "") -> str:
    """``GLIBC_TUNABLES`` for the kernel: :data:`KERNEL_MALLOC`, then the caller's ``given`` tunables
    (glibc takes the last value of a tunable, so the user's own settings win). Other C libraries
    ignore the variable."""
    ours = ":".join(f"{k}={v}" for k, v in KERNEL_MALLOC.items())
    return f"{ours}:{given}" if given else ours


def figure_format(doc: QmdDocument) -> tuple[str, dict, dict]:
    """Quarto's ``fig-format`` (svg, the default; png; retina = png at twice ``fig-dpi``) and
    ``fig-dpi`` (default 150) from the front matter, as (inline format, metadata, print kwargs).
    Metadata that would change from build to build (date, software version) is left out.
    PNG prints much faster than SVG in WeasyPrint, which matters for reports with many figures."""
    fm = doc.front_matter
    fmt = str(fm.get("fig-format", "svg")).strip().lower()
    if fmt not in FIG_FORMATS:
        raise QmdSyntaxError(doc.path, 1, f"fig-format: '{fmt}' kendes ikke (brug {', '.join(FIG_FORMATS)})")
    if fmt == "svg":
        return "svg", {"Date": None}, {}
    try:
        dpi = float(fm.get("fig-dpi", 150))
    except (TypeError, ValueError):
        raise QmdSyntaxError(doc.path, 1, f"fig-dpi: '{fm.get('fig-dpi')}' er ikke et tal") from None
    return "png", {"Software": None}, {"dpi": dpi * (2 if fmt == "retina" else 1)}


def execute_document(doc: QmdDocument, report: str, *, params: dict | None = None,
                     tables_dir: Path, timeout: int = DEFAULT_TIMEOUT,
                     max_output_mb: float = DEFAULT_MAX_OUTPUT_MB, on_cell=None,
                     fork_figures: bool = True) -> ExecutionResult:
    """Run the document's cells; a cell that runs longer than ``timeout`` seconds or prints
    more than ``max_output_mb`` MB stops the build (CellExecutionFailed). The kernel is
    shut down whatever happens, also on Ctrl-C. ``on_cell(cell, n, total)`` is called as
    cell n of total starts (for the live progress display). ``fork_figures``: figures are drawn by
    forked children of the kernel while it goes on (figure_forks.py; False: in the kernel)."""
    params = params or {}
    report_dir = doc.path.parent.resolve()
    plan: list[tuple[str, object]] = []
    nb = nbformat.v4.new_notebook()

    def add(source: str, kind: str, ref):
        nb.cells.append(nbformat.v4.new_code_cell(source))
        plan.append((kind, ref))

    fig_format, fig_metadata, fig_kwargs = figure_format(doc)
    has_param_cell = any(c.is_parameters for c in doc.cells)
    if params and not has_param_cell:
        raise CellExecutionFailed(report, doc.path, 0, 1, "ParameterError",
                                  "dokumentet har ingen celle med '#| tags: [parameters]', så -P kan ikke bruges",
                                  "")
    # The kernel's sockets and the figures its children draw (figure_forks.py): a private temporary folder.
    sockets = tempfile.mkdtemp(prefix="evalreport-kernel-")
    figures = os.path.join(sockets, "figures")
    os.mkdir(figures)
    add(_SETUP.format(tables_dir=str(tables_dir), report=report, root=str(PROJECT_ROOT),
                      mark=INLINE_MARK, fig_format=fig_format, fig_metadata=fig_metadata,
                      fig_kwargs=fig_kwargs, figures=figures, fork_figures=fork_figures), "setup", None)
    for block in doc.blocks:
        if isinstance(block, Markdown):
            exprs = block.inline_expressions
            if exprs:
                add(f"__evalreport_inline__({json.dumps(exprs, ensure_ascii=False)}, globals())",
                    "inline", block)
        elif isinstance(block, CodeCell):
            if doc.option(block, "eval", True) is False:
                continue
            add(block.source, "cell", block)
            if block.is_parameters and params:
                add(parameters_source(params), "params", block)

    add("_er_figures_wait()", "figures", None)

    result = ExecutionResult()
    # IPC transport: the kernel talks over local sockets in a private temporary
    # folder, not over TCP ports.
    # The asynchronous kernel manager: with the blocking one, nbclient waits for output
    # without a deadline and the per-cell timeout never fires.
    km = AsyncKernelManager(kernel_name="python3", transport="ipc",
                            connection_file=os.path.join(sockets, "kernel.json"))
    client = _LimitedClient(nb, km=km, timeout=timeout, kernel_name="python3", extra_arguments=_KERNEL_ARGS,
                            resources={"metadata": {"path": str(report_dir)}})
    client.output_limit = int(max_output_mb * 1024 * 1024) if max_output_mb else 0
    try:
        # One BLAS thread: statsmodels' fits on a few thousand rows are many times
        # faster single-threaded, and the result does not depend on the core count.
        # It must be set before numpy loads, hence in the kernel's environment.
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
        env["GLIBC_TUNABLES"] = kernel_malloc_tunables(os.environ.get("GLIBC_TUNABLES", ""))
        total = sum(1 for kind, _ in plan if kind == "cell")
        started = 0
        with client.setup_kernel(env=env):
            for index, (kind, ref) in enumerate(plan):
                cell = nb.cells[index]
                if kind == "cell" and on_cell is not None:
                    started += 1
                    on_cell(ref, started, total)
                start = time.perf_counter()
                client.cell_bytes, client.exceeded = 0, False
                try:
                    client.execute_cell(cell, index)
                except CellExecutionError as exc:
                    raise _describe_failure(report, doc, kind, ref, _with_error_output(exc, cell.outputs)) from None
                except (CellTimeoutError, DeadKernelError, OutputLimitExceeded, asyncio.CancelledError):
                    if client.exceeded:
                        raise _output_limit_failure(report, doc, kind, ref, max_output_mb) from None
                    if time.perf_counter() - start >= timeout:
                        raise _limit_failure(report, doc, kind, ref, "CellTimeout",
                                             f"cellen kørte i mere end {timeout} s og blev stoppet; "
                                             "grænsen sættes med evalreport: execute: timeout "
                                             "i _quarto.yml") from None
                    raise _limit_failure(report, doc, kind, ref, "DeadKernel",
                                         "Python-kernen døde under kørslen (for lidt hukommelse?)") from None
                if kind == "cell":
                    result.outputs[ref.number] = cell.outputs
                    result.seconds[ref.number] = time.perf_counter() - start
                elif kind == "inline":
                    result.inline[id(ref)] = _inline_values(cell.outputs)
        _put_back_figures(report, doc, result, client.output_limit, max_output_mb)
    finally:
        stop_kernel(km)
        shutil.rmtree(sockets, ignore_errors=True)
    return result


def _put_back_figures(report, doc, result: ExecutionResult, limit: int, max_output_mb) -> None:
    """The figures drawn by the kernel's children in place of their markers (figure_forks.py); the
    output limit counts them as if the kernel had sent them."""
    from .figure_forks import FigureFailed, resolve

    try:
        resolve(result.outputs)
    except FigureFailed as exc:
        cell = next(c for c in doc.cells if c.number == exc.cell)
        last = exc.text.strip().splitlines()[-1] if exc.text.strip() else "FigureError"
        ename, _, evalue = last.partition(": ")
        raise CellExecutionFailed(report, doc.path, cell.number, cell.line, ename or "FigureError",
                                  f"figuren kunne ikke tegnes: {evalue or last}", exc.text) from None
    for number, outs in result.outputs.items():
        if limit and sum(map(_output_bytes, outs)) > limit:
            cell = next(c for c in doc.cells if c.number == number)
            raise _output_limit_failure(report, doc, "cell", cell, max_output_mb)


def stop_kernel(km) -> None:
    """Shut the kernel down; if that fails (an interrupted event loop), kill its process.

    The kernel's process group is killed and waited for first, as ``shutdown_kernel(now=True)``
    would kill it: jupyter_client then finds it gone instead of polling every 0,1 s (0,11 s of
    every build)."""
    provisioner = getattr(km, "provisioner", None)
    process = getattr(provisioner, "process", None)
    try:
        if process is not None and process.poll() is None:
            try:
                os.killpg(provisioner.pgid, signal.SIGKILL)
            except (AttributeError, TypeError, OSError):
                process.kill()
            process.wait(timeout=10)
        if km.has_kernel:
            run_sync(km.shutdown_kernel)(now=True)
    except BaseException:
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def _limit_failure(report, doc, kind, ref, ename: str, text: str) -> CellExecutionFailed:
    number = ref.number if kind in ("cell", "params") else 0
    line = ref.line if ref is not None else 1
    return CellExecutionFailed(report, doc.path, number, line, ename, text, "")


def _inline_values(outputs) -> list[str]:
    for out in outputs:
        if out.get("output_type") == "stream":
            for line in out.get("text", "").splitlines():
                if line.startswith(INLINE_MARK):
                    return json.loads(line[len(INLINE_MARK):])
    raise RuntimeError("inline-udtryk gav intet resultat")


def _with_error_output(exc: CellExecutionError, outputs: list) -> CellExecutionError:
    """``exc``, or where its reply names no exception (IPython reports an error raised while an
    output is formatted, e.g. in a table's ``_repr_html_``, as ``NoneType: None``) the cell's
    first error output: its exception and traceback."""
    if getattr(exc, "ename", None) not in ("NoneType", None):
        return exc
    for out in outputs:
        if out.get("output_type") == "error":
            return CellExecutionError(list(out.get("traceback") or []), out.get("ename", "Error"),
                                      out.get("evalue", ""))
    return exc


def _describe_failure(report, doc, kind, ref, exc: CellExecutionError) -> CellExecutionFailed:
    tb = _ANSI.sub("", "\n".join(getattr(exc, "traceback", "") or [])) \
        if isinstance(getattr(exc, "traceback", None), list) else _ANSI.sub("", str(exc))
    ename, evalue = getattr(exc, "ename", "Error"), _ANSI.sub("", getattr(exc, "evalue", ""))
    if ename in ("DataError", "DisclosureError"):
        tb = ""                  # the message names file, line, column and value: no traceback
    if kind == "cell":
        line = ref.code_line + _error_line_in_cell(tb)
        return CellExecutionFailed(report, doc.path, ref.number, line, ename, evalue, tb)
    if kind == "inline":
        line = ref.line
        m = re.search(r"inline-udtryk nr\. (\d+)", evalue)
        if m:
            expr = ref.inline_expressions[int(m.group(1)) - 1]
            for offset, text in enumerate(ref.text.split("\n")):
                if expr in text:
                    line = ref.line + offset
                    break
        return CellExecutionFailed(report, doc.path, 0, line, ename, f"i teksten: {evalue}", tb)
    if kind == "params":
        return CellExecutionFailed(report, doc.path, ref.number, ref.line, ename,
                                   f"i de injicerede parametre: {evalue}", tb)
    return CellExecutionFailed(report, doc.path, 0, 1, ename, f"i opsætningen: {evalue}", tb)


def _error_line_in_cell(traceback: str) -> int:
    """Offset of the failing line within the cell's code, counting the #| lines.

    IPython tracebacks mark the failing line of the cell with '---->' followed by
    its line number in the cell's code (which has the option lines removed).
    """
    m = re.search(r"Cell In\[\d+\], line (\d+)", traceback) or \
        re.search(r"^-+>\s*(\d+)", traceback, flags=re.M)
    return int(m.group(1)) - 1 if m else 0
