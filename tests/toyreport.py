"""The toy report that the build tests of versions, diff and publish share.

One report, ``demo``, in a throw-away project. :func:`toy_doc` writes its front matter, the
parameters cell (``seed``) and a hidden setup cell that imports numpy, pandas, ``ReportTable``,
``fmt_num`` and ``fmt_est_ci`` before the test's own lines; :func:`main_table` is the cell of
``tbl-main`` (Antal, Gennemsnit, Effekt (95 % KI)) over the lists ``groups``, ``n``, ``mean``
and ``est`` that the setup defines; :func:`toy_project` writes the project.
"""
from __future__ import annotations

from pathlib import Path

from evalreport.config import load_project

SITE_YML = """\
project:
  type: website
  output-dir: _site
"""

_HEAD = """\
---
title: "Legetøjsrapport"
date: 2026-11-22
version: {version}
---

```{{python}}
#| tags: [parameters]
seed = {seed}
```

```{{python}}
#| include: false
import numpy as np
import pandas as pd
from evalreport.author.tables import ReportTable
from evalreport.author.formatting import fmt_num, fmt_est_ci
{setup}
```
"""

_MAIN_TABLE = """\
```{python}
#| label: tbl-main
#| tbl-cap: "Hovedtabel"
display = pd.DataFrame({"n": [fmt_num(v, 0) for v in n],
                        "mean": [fmt_num(v, 1) for v in mean],
                        "effekt": [fmt_est_ci(e, e - 1, e + 1, 1) for e in est]}, index=groups)
raw = pd.DataFrame({"n": n, "mean": mean, "effekt.estimate": est, "effekt.ci_low": est - 1,
                    "effekt.ci_high": est + 1}, index=groups)
ReportTable.from_frames(display, raw, id="tbl-main",
                        labels={"n": "Antal", "mean": "Gennemsnit", "effekt": "Effekt (95 % KI)"},
                        notes=NOTES, source="Legetøjsdata")
```"""


def toy_doc(setup: str, *body: str, version: str = "1.0.0", seed: int = 1) -> str:
    """The report's text: front matter, parameters, setup cell with ``setup``, then ``body``
    (markdown and cells, one blank line between the pieces)."""
    head = _HEAD.format(version=version, seed=seed, setup=setup.strip("\n"))
    return head + "".join("\n" + piece.strip("\n") + "\n" for piece in body)


def main_table(notes: str) -> str:
    """The ``tbl-main`` cell; ``notes`` is the Python expression of its note."""
    return _MAIN_TABLE.replace("NOTES", notes)


def toy_project(root: Path, doc: str | None = None, *, quarto: str = SITE_YML,
                files: dict[str, str] | None = None):
    """Write ``_quarto.yml``, ``files`` (relative path -> text) and ``reports/demo/`` (with
    ``index.qmd`` when ``doc`` is given) under ``root``; the loaded project."""
    (root / "_quarto.yml").write_text(quarto, encoding="utf-8")
    for name, text in (files or {}).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    (root / "reports" / "demo").mkdir(parents=True)
    if doc is not None:
        write_doc(root, doc)
    return load_project(root)


def write_doc(root: Path, doc: str) -> None:
    """Replace the report's ``index.qmd`` (a new version, other parameters)."""
    (root / "reports" / "demo" / "index.qmd").write_text(doc, encoding="utf-8")
