"""A toy project with a parameter matrix: one report, three municipalities, one too small.

Used by test_matrix.py (local builds) and test_cluster.py (Dask). The report's
headline table is protected by persons, so Læsø (2 persons) is refused by the
disclosure rules while Aarhus and Odense publish. A file ``kill-once-<kommune>``
beside ``_quarto.yml`` makes the first run of that variant kill the process that
runs its kernel (a Dask worker in test_cluster.py); the file is removed first, so
the retry builds normally, and its existence is checked without opening it (it
is no input of the build).
"""
from __future__ import annotations

from pathlib import Path

from toyreport import toy_project

DATA = "kommune,persons,effekt\nAarhus,120,1.5\nOdense,40,0.8\nLæsø,2,3.1\n"

DOC = """\
---
title: "Legetøjsrapport"
date: 2026-11-22
version: 1.0.0
evalreport:
  matrix:
    kommune:
      from: ../../data/personer.csv
      column: kommune
  variant-title: "Legetøjsrapport for {kommune}"
  headline: [tbl-main]
---

```{python}
#| tags: [parameters]
kommune = None
```

```{python}
#| include: false
import os, signal
from pathlib import Path
import pandas as pd
from evalreport.author import fmt_num, protect
from evalreport.author.tables import ReportTable

_kill = Path(f"../../kill-once-{kommune}")
if _kill.exists():                      # test hook: the first try dies with its process
    _kill.unlink()
    os.kill(os.getppid(), signal.SIGKILL)
data = pd.read_csv("../../data/personer.csv").set_index("kommune")
rows = data if kommune is None else data.loc[[kommune]]
n = int(rows["persons"].sum())
eff = float((rows["persons"] * rows["effekt"]).sum() / n)
```

# Resultater

Tabel 1 viser effekten for `{python} "alle kommuner" if kommune is None else kommune`.

```{python}
#| label: tbl-main
#| tbl-cap: "Hovedtabel"
display = pd.DataFrame({"effekt": [fmt_num(eff, 2)], "n": [fmt_num(n)]}, index=["Effekt"])
raw = pd.DataFrame({"effekt": [eff], "n": [n]}, index=["Effekt"])
t = ReportTable.from_frames(display, raw, id="tbl-main", labels={"effekt": "Effekt", "n": "Personer"},
                            source="Legetøjsdata")
protect(t, persons=n)
```
"""


def make_matrix_project(root: Path):
    """The project in ``root`` (tests/toyreport.py's layout: report ``demo``, site in ``_site``)."""
    return toy_project(Path(root), DOC, files={"data/personer.csv": DATA})


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under a folder, by relative path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(Path(folder).rglob("*")) if p.is_file()}
