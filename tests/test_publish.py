"""`evalreport publish`: versions kept, links that resolve, atomic replacement.

Two versions of a toy report are built and published once for the module; the
other tests publish again with --no-build (no further report builds).
"""
import hashlib
from collections import deque
from pathlib import Path
from urllib.parse import unquote

import pytest
from bs4 import BeautifulSoup

import evalreport.outputs.publish as P
from evalreport.build import BuildOptions
from evalreport.cli import main
from evalreport.errors import EvalReportError
from toyreport import SITE_YML, toy_doc, toy_project, write_doc

pytestmark = pytest.mark.build

QUARTO = SITE_YML + """\
website:
  title: "Legetøjssite"
  navbar:
    left:
      - href: index.html
        text: Forside
      - href: reports/demo/index.qmd
        text: Demo
      - href: om.qmd
        text: Om
      - href: https://example.org/
        text: Ude
"""

SETUP = "mean = (10 + np.random.default_rng(seed).normal(0, 1, 3)).round(2)"

BODY = """\
# Resultater

Gennemsnittet er `{python} fmt_num(mean.mean(), 2)`.

```{python}
#| label: tbl-main
#| tbl-cap: "Hovedtabel"
ReportTable.from_frames(None, pd.DataFrame({"mean": mean}, index=["A", "B", "C"]), id="tbl-main",
                        decimals=1, labels={"mean": "Gennemsnit"})
```
"""


def snapshot(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    root = tmp_path_factory.mktemp("publish")
    project = toy_project(root, quarto=QUARTO)
    dest = tmp_path_factory.mktemp("www") / "intranet" / "evaluering"
    options = BuildOptions(to="all", quiet=True)
    write_doc(root, toy_doc(SETUP, BODY, version="1.0.0", seed=1))
    first = P.publish(project, dest=dest, options=options)
    write_doc(root, toy_doc(SETUP, BODY, version="1.1.0", seed=2))
    second = P.publish(project, dest=dest, options=options)
    return project, dest, first, second


def test_publishing_twice_keeps_both_versions(published):
    project, dest, first, second = published
    assert first.added == [("demo", "1.0.0")]
    assert second.added == [("demo", "1.1.0")] and second.kept == [("demo", "1.0.0")]
    for version in ("1.0.0", "1.1.0"):
        folder = dest / "reports" / "demo" / version
        assert (folder / "index.html").exists() and (folder / f"demo-{version}.pdf").exists()
        assert (folder / "tables" / "tbl-main.display.csv").exists()
    latest = (dest / "reports" / "demo" / "latest" / "index.html").read_text(encoding="utf-8")
    assert "url=../1.1.0/index.html" in latest
    soup = BeautifulSoup((dest / "index.html").read_text(encoding="utf-8"), "html.parser")
    rows = soup.select("#report-demo .version")
    assert [r.select_one(".v").get_text(" ", strip=True) for r in rows] == ["1.1.0 (seneste)", "1.0.0"]
    assert not list(dest.parent.glob(".evaluering.*"))             # no temporary folders left


def test_site_index_lists_files_diff_and_carries_the_website_title_and_navigation(published):
    _, dest, _, _ = published
    soup = BeautifulSoup((dest / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert soup.title.get_text() == "Legetøjssite" and soup.h1.get_text() == "Legetøjssite"
    nav = {a.get_text(): a["href"] for a in soup.select("nav a")}
    # the report entry points at its latest version; a page the site does not have is left out
    assert nav == {"Forside": "index.html", "Demo": "reports/demo/latest/index.html",
                   "Ude": "https://example.org/"}
    hrefs = {a["href"] for a in soup.select("a[href]")}
    for version in ("1.0.0", "1.1.0"):
        base = f"reports/demo/{version}/"
        assert {base + "index.html", base + f"demo-{version}.pdf", base + "manifest.json",
                base + "tables/tbl-main.display.csv", base + "tables/tbl-main.raw.csv",
                base + "tables/tbl-main.json"} <= hrefs
    assert "reports/demo/diff/1.0.0_1.1.0.html" in hrefs
    assert "ændret" in (dest / "reports/demo/diff/1.0.0_1.1.0.html").read_text(encoding="utf-8")


def test_every_link_in_the_site_resolves(published):
    """Walk the site from index.html: every local link is relative and points at a file
    (and an existing id for #fragments), so the site works from file:// and any sub-path."""
    _, dest, _, _ = published
    seen, queue, checked = set(), deque([dest / "index.html"]), 0
    while queue:
        page = queue.popleft()
        if page in seen:
            continue
        seen.add(page)
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        links = [a["href"] for a in soup.select("a[href]")]
        refresh = soup.select_one('meta[http-equiv="refresh"]')
        if refresh:
            links.append(refresh["content"].split("url=", 1)[1])
        for href in links:
            if href.startswith(("http://", "https://", "mailto:")):
                continue
            assert not href.startswith("/"), f"{page}: absolute link {href}"
            path, _, fragment = href.partition("#")
            target = (page.parent / unquote(path)).resolve() if path else page
            assert target.is_file(), f"{page.relative_to(dest)}: {href} does not resolve"
            assert dest.resolve() in target.parents or target == dest.resolve()
            checked += 1
            if target.suffix == ".html":
                if fragment:
                    ids = {t.get("id") for t in BeautifulSoup(target.read_text(encoding="utf-8"),
                                                              "html.parser").find_all(id=True)}
                    assert fragment in ids, f"{page.relative_to(dest)}: #{fragment} missing"
                queue.append(target)
    assert checked > 20
    assert dest / "reports/demo/diff/1.0.0_1.1.0.html" in seen


def test_publish_never_deletes_a_version_at_the_destination(published, monkeypatch, capsys):
    project, dest, _, _ = published
    (dest / "kontakt.txt").write_text("intranettets egen fil\n", encoding="utf-8")
    local_v1 = project.output_dir / "reports" / "demo" / "1.0.0"
    moved = project.root / "gemt-1.0.0"
    local_v1.rename(moved)                         # the local _site no longer has 1.0.0
    try:
        monkeypatch.chdir(project.root)
        assert main(["publish", "--no-build", "--quiet", "--dest", str(dest)]) == 0
    finally:
        moved.rename(local_v1)
    assert (dest / "reports" / "demo" / "1.0.0" / "index.html").exists()
    assert (dest / "kontakt.txt").read_text(encoding="utf-8") == "intranettets egen fil\n"
    assert 'href="reports/demo/1.0.0/index.html"' in (dest / "index.html").read_text(encoding="utf-8")


def test_interrupted_publish_leaves_the_previous_site_intact(published, monkeypatch):
    project, dest, _, _ = published
    before = snapshot(dest)
    calls = {"n": 0}
    real = P.copy_file

    def failing_copy(src, dst):
        calls["n"] += 1
        if calls["n"] == 7:
            raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(P, "copy_file", failing_copy)
    with pytest.raises(OSError, match="No space left"):
        P.publish(project, dest=dest, build=False)
    assert calls["n"] == 7
    assert snapshot(dest) == before
    assert sorted(p.name for p in dest.parent.iterdir()) == [".evalreport-locks", "evaluering"]

    calls["n"] = -10**6                            # ... and a Ctrl-C half-way likewise
    monkeypatch.setattr(P, "write_site", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        P.publish(project, dest=dest, build=False)
    assert snapshot(dest) == before
    assert sorted(p.name for p in dest.parent.iterdir()) == [".evalreport-locks", "evaluering"]


def test_publish_refuses_to_change_a_published_version(published, capsys):
    """Runs last: tampers with the local copy of 1.1.0, then restores it."""
    project, dest, _, _ = published
    local = project.output_dir / "reports" / "demo" / "1.1.0" / "tables" / "tbl-main.display.csv"
    original = local.read_text(encoding="utf-8")
    lines = original.splitlines()
    label, value = lines[1].split(",", 1)
    local.write_text("\n".join([lines[0], f'{label},"99,9"'] + lines[2:]) + "\n", encoding="utf-8")
    before = snapshot(dest)
    try:
        with pytest.raises(EvalReportError, match="allerede udgivet") as err:
            P.publish(project, dest=dest, build=False)
        assert f"{label} | Gennemsnit: {value.strip(chr(34))} -> 99,9" in str(err.value)
        assert snapshot(dest) == before
        forced = P.publish(project, dest=dest, build=False, options=BuildOptions(force=True))
        assert forced.replaced == [("demo", "1.1.0")]
        assert "99,9" in (dest / "reports/demo/1.1.0/tables/tbl-main.display.csv").read_text(encoding="utf-8")
        assert "ADVARSEL" in capsys.readouterr().err
    finally:
        local.write_text(original, encoding="utf-8")
