"""Figures drawn by forked children of the kernel, while the kernel runs on.

Drawing a matplotlib figure to SVG or PNG (``print_figure`` with ``bbox_inches="tight"``: two
passes over every artist) is most of what a figure cell costs, and the kernel runs one cell at a
time on one core. So the kernel's figure formatter forks instead: the child has the figure exactly
as it stands at that moment (same objects, same rcParams, same fonts) and draws it with the same
function into a file; the kernel gets a marker in place of the image and goes on with the next
cell. After the last cell the engine waits for the children and puts each file back in place of
its marker (:func:`resolve`), so the outputs are byte for byte what drawing in the kernel gives
(``tests/test_figure_forks.py``; all five reports' figures are unchanged).

Kernel side: :func:`defer_figures` (called from the engine's set-up code) and :func:`wait_figures`
(the engine's last step). At most :data:`MAX_ALIVE` children draw at once. A child writes its
warnings to a ``.log`` file (they come back as the cell's stderr, where a warning printed while
drawing landed before) and a traceback if drawing fails (the build then stops, naming the cell).
Only on Linux, where fork is safe for this (the child only draws and writes a file, then leaves
with ``os._exit``); elsewhere figures are drawn in the kernel as before. This module is imported
into every kernel: keep its imports light.
"""
from __future__ import annotations

import itertools
import os
import sys
import traceback

#: The start of the text a deferred figure shows until :func:`resolve` replaces it.
MARK = "__EVALREPORT_FIGURE__:"

#: Children drawing at once (the kernel waits for the oldest beyond that).
MAX_ALIVE = 2

_MIMES = {"image/svg+xml": "svg", "image/png": "png"}
_children: dict[int, str] = {}          # pid -> the file it writes, oldest first
_numbers = itertools.count(1)


def defer_figures(folder: str) -> bool:
    """Make the kernel's SVG/PNG figure formatters draw in forked children writing into ``folder``.
    Returns False (and changes nothing) where that is not done: not Linux, no IPython or matplotlib."""
    if not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return False
    try:
        from IPython import get_ipython
        from matplotlib.figure import Figure
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    deferred = False
    for mime, ext in _MIMES.items():
        formatter = shell.display_formatter.formatters[mime]
        try:
            draw = formatter.lookup_by_type(Figure)
        except KeyError:
            continue
        formatter.for_type(Figure, _deferred(draw, folder, ext))
        deferred = True
    return deferred


def _deferred(draw, folder: str, ext: str):
    def show(fig):
        if not fig.axes and not fig.lines:  # IPython's print_figure draws nothing: nothing to fork for
            return draw(fig)
        _reap(keep=MAX_ALIVE - 1)
        path = os.path.join(folder, f"{next(_numbers):04d}.{ext}")
        pid = os.fork()
        if pid == 0:
            _draw_and_exit(draw, fig, path)
        _children[pid] = path
        return MARK + path
    return show


def _draw_and_exit(draw, fig, path: str) -> None:
    """In the child: draw, write the file (or ``.none``: nothing drawn), leave. Never returns."""
    code = 1
    try:
        log = open(path + ".log", "w", encoding="utf-8")
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        sys.stdout = sys.stderr = log
        data = draw(fig)
        if data is None:
            open(path + ".none", "w").close()
        else:
            with open(path + ".tmp", "w", encoding="utf-8", newline="") as out:
                out.write(data)
            os.replace(path + ".tmp", path)
        code = 0
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            sys.stderr.flush()
        finally:
            os._exit(code)


def _reap(keep: int) -> None:
    """Collect finished children; wait for the oldest until at most ``keep`` are drawing."""
    for pid in list(_children):
        if _wait(pid, os.WNOHANG):
            del _children[pid]
    while len(_children) > keep:
        pid = next(iter(_children))
        _wait(pid, 0)
        del _children[pid]


def _wait(pid: int, flags: int) -> bool:
    try:
        done, _ = os.waitpid(pid, flags)
    except ChildProcessError:          # collected elsewhere: it is gone
        return True
    return done == pid


def wait_figures() -> None:
    """Wait until every child has drawn its figure (the engine's last step in the kernel)."""
    _reap(keep=0)


class FigureFailed(Exception):
    """Drawing a deferred figure failed; ``cell`` is the cell's number, ``text`` the traceback."""

    def __init__(self, cell: int, text: str):
        super().__init__(text)
        self.cell, self.text = cell, text


def resolve(outputs: dict[int, list]) -> None:
    """Put every deferred figure in place of its marker in ``outputs`` (cell number -> nbformat
    outputs), in place. A child's warnings become a stderr output just before the figure; a
    figure that was not drawn raises :class:`FigureFailed` with the child's traceback."""
    for number, outs in outputs.items():
        i = 0
        while i < len(outs):
            data = outs[i].get("data") or {}
            for mime, value in list(data.items()):
                if not (isinstance(value, str) and value.startswith(MARK)):
                    continue
                path = value[len(MARK):]
                log = _read(path + ".log")
                if os.path.exists(path):
                    data[mime] = _read(path)
                elif os.path.exists(path + ".none"):
                    del data[mime]
                else:
                    raise FigureFailed(number, log.strip() or "figuren blev ikke tegnet (processen stoppede)")
                if log:
                    outs.insert(i, {"output_type": "stream", "name": "stderr", "text": log})
                    i += 1
            i += 1


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8", newline="") as f:
            return f.read()
    except FileNotFoundError:
        return ""
