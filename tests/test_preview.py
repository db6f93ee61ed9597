"""`evalreport preview`: served on localhost, rebuilt on save (with the cache), reloaded."""
import json
import threading
import time
import urllib.error
import urllib.request

import pytest

from evalreport.config import load_project
from evalreport.preview import EVENTS, Preview

pytestmark = pytest.mark.build

DOC = """\
---
title: "Forhåndsvisning"
version: 2.0.0
---

```{python}
#| include: false
with open("../../runs.log", "a") as log:
    log.write("kørt\\n")
value = 6 * 7
```

Svaret er `{python} value`, og vejret er gråt.
"""


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def wait_for(condition, seconds=120):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_preview_serves_rebuilds_on_save_and_tells_the_page_to_reload(tmp_path):
    (tmp_path / "_quarto.yml").write_text("project:\n  output-dir: _site\n", encoding="utf-8")
    (tmp_path / "reports" / "vejr").mkdir(parents=True)
    qmd = tmp_path / "reports" / "vejr" / "index.qmd"
    qmd.write_text(DOC, encoding="utf-8")
    project = load_project(tmp_path)
    preview = Preview(project, "vejr", quiet=True)
    assert preview.rebuild()
    preview.start_server(port=0)
    stop = threading.Event()
    builds = []
    watcher = threading.Thread(target=preview.watch, kwargs={"stop_event": stop, "on_build": builds.append},
                               daemon=True)
    watcher.start()
    try:
        assert preview.url.endswith("/reports/vejr/2.0.0/index.html")
        status, page = get(preview.url)
        assert status == 200 and "Svaret er 42, og vejret er gråt." in page
        assert EVENTS in page and "location.reload()" in page      # the reload script is injected
        generation = preview.generation
        base = preview.url.rsplit("/reports/", 1)[0]
        assert json.loads(get(base + "/__evalreport/status")[1])["generation"] == generation
        assert not (project.output_dir / "reports" / "vejr").exists()   # nothing is published

        time.sleep(1.0)                                  # let the watcher settle
        qmd.write_text(DOC.replace("gråt", "blåt"), encoding="utf-8")
        assert wait_for(lambda: preview.generation > generation and not preview.building)
        status, page = get(preview.url)
        assert "vejret er blåt" in page
        # a prose edit: rendered again, not executed again
        assert (tmp_path / "runs.log").read_text(encoding="utf-8").count("kørt") == 1

        # the event stream announces the new generation, which makes the old page reload
        with urllib.request.urlopen(base + EVENTS, timeout=30) as stream:
            assert stream.readline().decode().strip() == f"data: {preview.generation}"

        generation = preview.generation
        qmd.write_text(DOC.replace("6 * 7", "6 *"), encoding="utf-8")     # a syntax error
        assert wait_for(lambda: preview.generation > generation and not preview.building)
        status, page = get(preview.url)
        assert status == 500 and "kunne ikke bygges" in page and "SyntaxError" in page
    finally:
        stop.set()
        watcher.join(timeout=10)
        preview.stop()
