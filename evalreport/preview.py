"""``evalreport preview SLUG``: the report in the browser, rebuilt and reloaded on save.

As ``quarto preview`` does it: the report is built (with the cache, so a prose
edit costs a render and no execution) into a preview folder under
``.evalreport-cache/preview/`` — never published, so a published version is not
touched — and a small web server on localhost serves the site in ``_site/`` with
the preview in place of the report's version folder. Every HTML page of the
preview carries a script that listens on ``/__evalreport/events`` (server-sent
events) and reloads the page when a new build is ready. A failed build shows its
message in the browser until the next good one.

Files are watched with :mod:`watchfiles`; evalreport's own code outside
``evalreport/author`` (which runs in the kernel) cannot be reloaded into the
running process, so a change there restarts the preview process.

The server is :mod:`http.server` from the standard library: local, one user,
no need for more.
"""
from __future__ import annotations

import html as html_lib
import json
import os
import shutil
import sys
import threading
import time
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .build import BuildOptions, stage_report
from .engine.store import Store, sha256_path
from .errors import EvalReportError
from .outputs.stamp import forget_git_state

EVENTS = "/__evalreport/events"
STATUS = "/__evalreport/status"
_RELOAD = """<script>/* evalreport preview: reload when a new build is ready */
(function () {{
  var generation = {generation};
  var source = new EventSource("{events}");
  source.onmessage = function (e) {{ if (Number(e.data) !== generation) {{ location.reload(); }} }};
}})();
</script>"""
_ERROR_PAGE = """<!DOCTYPE html>
<html lang="da"><head><meta charset="utf-8"><title>Fejl i {slug}</title>
<style>body{{font-family:sans-serif;margin:2rem;max-width:60rem}}pre{{white-space:pre-wrap;
background:#fdecea;padding:1rem;border-left:4px solid #b3261e}}</style></head>
<body><h1>Rapporten '{slug}' kunne ikke bygges</h1>
<p>Ret fejlen og gem filen; siden genindlæses, når rapporten er bygget igen.</p>
<pre>{message}</pre></body></html>"""


class Preview:
    """The state of one preview: the current build, its generation and the last error."""

    def __init__(self, project, slug: str, *, to: str = "html", params: dict | None = None,
                 quiet: bool = False):
        self.project, self.slug = project, slug
        self.options = BuildOptions(to=to, params=dict(params or {}), quiet=quiet)
        self.root = Store.for_project(project).root / "preview" / slug
        self.folder: Path | None = None            # the current build
        self.version: str | None = None
        self.generation = 0
        self.error: str | None = None
        self.building = False
        self.changed = threading.Condition()
        self.server: ThreadingHTTPServer | None = None

    # building
    def rebuild(self) -> bool:
        """Build the report into a new preview folder; True when the page changed."""
        forget_git_state()
        self.building = True
        try:
            staged = stage_report(self.project, self.slug, self.options, staging_root=self.root)
        except EvalReportError as exc:
            return self._publish_state(None, None, str(exc))
        except Exception as exc:                       # a bug: show it, keep serving
            import traceback
            return self._publish_state(None, None, f"intern fejl: {exc}\n{traceback.format_exc()}")
        finally:
            self.building = False
        return self._publish_state(staged.folder, staged.version, None)

    def _publish_state(self, folder: Path | None, version: str | None, error: str | None) -> bool:
        with self.changed:
            old = self.folder
            same = (error is None and self.error is None and old is not None and folder is not None
                    and _page_digest(old) == _page_digest(folder))
            if folder is not None:
                self.folder, self.version = folder, version
            self.error = error
            if not same:
                self.generation += 1
            self.changed.notify_all()
        if folder is not None and old is not None and old != folder:
            shutil.rmtree(old, ignore_errors=True)
        return not same

    # serving
    def start_server(self, port: int = 4848, host: str = "127.0.0.1") -> str:
        handler = _handler_for(self)
        self.server = ThreadingHTTPServer((host, port), handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self.url

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{self.report_path}index.html"

    @property
    def report_path(self) -> str:
        return f"/reports/{self.slug}/{self.version or 'preview'}/"

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
        with self.changed:
            self.generation = -1                      # ends the event streams
            self.changed.notify_all()
        if self.root.exists():
            shutil.rmtree(self.root, ignore_errors=True)

    # watching
    def watch_paths(self) -> list[Path]:
        from .incremental import PACKAGE_DIR
        paths = [Path(self.project.root)]
        if not _under(PACKAGE_DIR.parent, Path(self.project.root)):
            paths.append(PACKAGE_DIR.parent)          # evalreport and analysis outside the project
        return paths

    def watch(self, stop_event=None, on_build=None) -> None:
        """Rebuild on every saved change until ``stop_event`` is set (or Ctrl-C)."""
        import watchfiles
        from .incremental import PACKAGE_DIR

        out = Path(self.project.output_dir).resolve()
        skip = [out, self.root.parent.parent, Path(self.project.root).resolve() / ".git"]
        flt = watchfiles.DefaultFilter(ignore_dirs=(*watchfiles.DefaultFilter.ignore_dirs, ".staging",
                                                    ".evalreport-cache", "_site"))

        def relevant(change, path: str) -> bool:
            return flt(change, path) and not any(_under(Path(path), s) for s in skip)

        for changes in watchfiles.watch(*self.watch_paths(), watch_filter=relevant,
                                        stop_event=stop_event, debounce=300, step=100):
            paths = sorted({Path(p) for _, p in changes})
            tool = [p for p in paths if p.suffix == ".py" and _under(p, PACKAGE_DIR)
                    and not _under(p, PACKAGE_DIR / "author")]
            if tool and on_build is None:
                _restart(f"evalreports egen kode er ændret ({tool[0].name}); forhåndsvisningen genstartes")
            if not self.options.quiet:
                names = ", ".join(_short(p, self.project.root) for p in paths[:3])
                print(f"[{self.slug}] ændret: {names}{' …' if len(paths) > 3 else ''}; bygger igen",
                      file=sys.stderr, flush=True)
            changed = self.rebuild()
            if on_build is not None:
                on_build(changed)
            if not self.options.quiet:
                state = "FEJL (se browseren)" if self.error else ("klar" if changed else "uændret")
                print(f"[{self.slug}] {state}", file=sys.stderr, flush=True)


def _page_digest(folder: Path) -> str | None:
    page = folder / "index.html"
    return sha256_path(page) if page.exists() else None


def _under(p: Path, root: Path) -> bool:
    try:
        Path(p).resolve().relative_to(Path(root).resolve())
        return True
    except ValueError:
        return False


def _short(p: Path, root) -> str:
    try:
        return Path(p).relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return str(p)


def _restart(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
    args = [a for a in sys.argv[1:] if a != "--no-browser"] + ["--no-browser"]
    os.execv(sys.executable, [sys.executable, "-m", "evalreport.cli", *args])


def _handler_for(preview: Preview):
    class Handler(SimpleHTTPRequestHandler):
        def log_message(self, format, *args):      # quiet: the terminal shows builds, not requests
            pass

        def do_GET(self):
            path = unquote(urlsplit(self.path).path)
            if path == EVENTS:
                return self._events()
            if path == STATUS:
                return self._json({"generation": preview.generation, "error": preview.error,
                                   "building": preview.building, "version": preview.version})
            prefix = preview.report_path
            if path.startswith(prefix) or path == prefix.rstrip("/"):
                rel = path[len(prefix):] or "index.html"
                if preview.error is not None and rel.endswith(".html"):
                    page = _ERROR_PAGE.format(slug=html_lib.escape(preview.slug),
                                              message=html_lib.escape(preview.error))
                    return self._html(page, HTTPStatus.INTERNAL_SERVER_ERROR)
                if preview.folder is None:
                    return self.send_error(HTTPStatus.SERVICE_UNAVAILABLE, "Rapporten bygges")
                return self._file(preview.folder, rel, inject=True)
            if path == "/" and not (Path(preview.project.output_dir) / "index.html").exists():
                self.send_response(HTTPStatus.FOUND)
                self.send_header("Location", f"{prefix}index.html")
                self.end_headers()
                return None
            return self._file(Path(preview.project.output_dir), path.lstrip("/") or "index.html",
                              inject=False)

        def _file(self, base: Path, rel: str, inject: bool):
            target = (base / rel).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not _under(target, base) or not target.is_file():
                return self.send_error(HTTPStatus.NOT_FOUND, "Filen findes ikke")
            data = target.read_bytes()
            ctype = self.guess_type(str(target))
            if inject and target.suffix == ".html":
                return self._html(data.decode("utf-8"), HTTPStatus.OK)
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)
            return None

        def _html(self, text: str, status):
            script = _RELOAD.format(generation=preview.generation, events=EVENTS)
            text = text.replace("</body>", script + "\n</body>", 1) if "</body>" in text else text + script
            data = text.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def _json(self, value):
            data = json.dumps(value).encode("utf-8")
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _events(self):
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            seen = None
            try:
                while True:
                    with preview.changed:
                        if preview.generation == seen:
                            preview.changed.wait(timeout=15)
                        current = preview.generation
                    if current < 0:
                        return
                    if current != seen:
                        self.wfile.write(f"data: {current}\n\n".encode())
                        seen = current
                    else:
                        self.wfile.write(b": ping\n\n")
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                return

    return Handler


def preview(project, slug: str, *, port: int = 4848, to: str = "html", params: dict | None = None,
            open_browser: bool = True) -> int:
    """The ``evalreport preview`` command: build, serve, watch until Ctrl-C."""
    p = Preview(project, slug, to=to, params=params)
    print(f"[{slug}] bygger forhåndsvisningen …", file=sys.stderr, flush=True)
    p.rebuild()
    if p.error:
        print(f"[{slug}] FEJL: {p.error}", file=sys.stderr, flush=True)
    try:
        url = p.start_server(port)
    except OSError as exc:
        raise EvalReportError(f"Port {port} på localhost kan ikke bruges ({exc.strerror}); "
                              "vælg en anden med --port") from None
    print(f"Forhåndsvisning: {url}  (Ctrl-C stopper)", file=sys.stderr, flush=True)
    if open_browser:
        import webbrowser
        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    try:
        p.watch()
    except KeyboardInterrupt:
        pass
    finally:
        p.stop()
        time.sleep(0.1)
    return 0
