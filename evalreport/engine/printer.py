"""Printing the PDF in a second process that gets ready while the build does other work.

WeasyPrint is pure Python: importing it takes about a second (cffi parses Pango's C
declarations), and laying out and writing a report takes one core for seconds. In one
process the import competes with the rest of the build for the interpreter. So a build
that will print starts a :class:`Printer` at its beginning: a child process that imports
WeasyPrint and the engine's printing code on the other core while this process executes
the document (or reads the cache), runs Pandoc and renders the HTML. Then
:meth:`Printer.write_pdf` hands it the HTML file and waits for the page count. The PDF
bytes are those of :func:`evalreport.engine.render.write_pdf` in this process (the child
calls it); ``tests/test_printer.py`` compares them.

Protocol: one JSON line on the child's stdin (``html``, ``target``, ``base_url``,
``epoch``: paths and the build time), one JSON line back on its stdout (``pages``, or
``error`` with the traceback, or ``oserror`` with errno, text and file name, so a full
disk or a missing permission reaches the command line as in-process). A closed stdin
(the build ended without printing, or died) makes the child exit. Should the child fail to
start or die before it answers, the PDF is printed in this process instead.

Written by hand: a process pool (``concurrent.futures``) would do, but its worker is
idle until the first task arrives, and the point here is the import done before that.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Printer:
    """A child process ready to print one PDF (see the module docstring)."""

    def __init__(self):
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(PROJECT_ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH")
                                                                   else []))
        try:
            self.proc: subprocess.Popen | None = subprocess.Popen(
                [sys.executable, "-m", "evalreport.engine.printer"], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, env=env, cwd=str(PROJECT_ROOT), text=True, encoding="utf-8")
        except OSError:
            self.proc = None
        self.answered_by: int | None = None     # the pid of the child that printed, if one did

    def write_pdf(self, html_path: Path, target: Path, *, base_url: Path, epoch: int,
                  while_waiting=None) -> int:
        """Print ``html_path`` to ``target``; returns the page count (as :func:`render.write_pdf`).
        ``while_waiting()``, if given, runs here while the child prints (work this process would
        otherwise do afterwards; an error in it is ignored, it must only save time)."""
        answer = self._ask({"html": str(Path(html_path).resolve()), "target": str(Path(target).resolve()),
                            "base_url": str(Path(base_url).resolve()), "epoch": epoch}, while_waiting)
        if answer is None:                      # no child (or it died): print here
            from .render import write_pdf
            return write_pdf(Path(html_path).read_text(encoding="utf-8"), Path(target), base_url=Path(base_url),
                             epoch=epoch)
        if "oserror" in answer:
            number, text, filename = answer["oserror"]
            raise OSError(number, text, filename)
        if "error" in answer:
            raise RuntimeError("PDF-udskriften fejlede i sin proces:\n" + answer["error"])
        return int(answer["pages"])

    def _ask(self, request: dict, while_waiting=None) -> dict | None:
        proc, self.proc = self.proc, None
        if proc is None:
            return None
        try:
            proc.stdin.write(json.dumps(request) + "\n")
            proc.stdin.close()
            if while_waiting is not None:
                try:
                    while_waiting()
                except Exception:                      # noqa: BLE001  (it only saves time later)
                    pass
            line = proc.stdout.readline()
            proc.wait()
        except (OSError, ValueError):
            line = ""
        finally:
            _stop(proc)
        if not line.strip():
            return None
        self.answered_by = proc.pid
        return json.loads(line)

    def close(self) -> None:
        """Let an unused child go (it exits when its stdin closes)."""
        proc, self.proc = self.proc, None
        if proc is not None:
            _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    for stream in (proc.stdin, proc.stdout):
        try:
            stream.close()
        except (OSError, ValueError):
            pass
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _import_at_low_priority() -> None:
    """The imports this process is for (jinja2, WeasyPrint: a second), in a thread of the lowest
    priority (on Linux a thread has its own nice value): it takes a core the build leaves idle and
    does not slow the kernel's start (BOT's execute stage: 16,1 -> 15,6 s). The main thread keeps
    its priority for printing."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    except (AttributeError, OSError):
        pass
    try:
        from . import render  # noqa: F401
        import weasyprint  # noqa: F401
    except Exception:                                  # noqa: BLE001  (the main thread imports again and fails)
        pass


def _serve() -> int:
    """The child: import, wait for one request, print, answer."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)      # Ctrl-C reaches the whole group: just go
    import traceback

    loader = threading.Thread(target=_import_at_low_priority, daemon=True)
    loader.start()
    line = sys.stdin.readline()
    if not line.strip():
        return 0
    loader.join()
    from .render import write_pdf
    request = json.loads(line)
    try:
        pages = write_pdf(Path(request["html"]).read_text(encoding="utf-8"), Path(request["target"]),
                          base_url=Path(request["base_url"]), epoch=int(request["epoch"]))
        answer = {"pages": pages}
    except OSError as exc:
        answer = {"oserror": [exc.errno, exc.strerror or str(exc), exc.filename]}
    except Exception:                                  # noqa: BLE001  (reported to the build)
        answer = {"error": traceback.format_exc()}
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(_serve())
