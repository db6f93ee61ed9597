"""The kernel skips SciPy's import-time docstring tables (engine/scipy_docs.py) and computes the same."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from evalreport.engine.execute import execute_document
from evalreport.engine.qmd import read_qmd

ROOT = Path(__file__).resolve().parent.parent

_RUN = """
import json, sys
if sys.argv[1] == "patched":
    from evalreport.engine.scipy_docs import skip_array_api_notes
    assert skip_array_api_notes()
import numpy as np
from scipy import stats
import statsmodels.api as sm
rng = np.random.default_rng(7)
a, b = rng.normal(0, 1, 200), rng.normal(0.3, 1.2, 180)
t = stats.ttest_ind(a, b, equal_var=False)
X = sm.add_constant(np.column_stack([a[:180], b]))
fit = sm.OLS(rng.normal(size=180), X).fit(cov_type="HC1")
print(json.dumps({"t": float(t.statistic), "p": float(t.pvalue), "bse": fit.bse.tolist(),
                  "note": "Array API Standard Support" in (stats.ttest_ind.__doc__ or ""),
                  "doc": (stats.ttest_ind.__doc__ or "")[:200]}))
"""


def _run(mode: str) -> dict:
    out = subprocess.run([sys.executable, "-c", _RUN, mode], capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout)


def test_without_the_docstring_tables_scipy_computes_the_same():
    plain, patched = _run("plain"), _run("patched")
    assert plain["note"] and not patched["note"]            # the table is what is skipped ...
    assert patched["doc"].strip() and patched["doc"].split()[:5] == plain["doc"].split()[:5]   # ... not the help
    assert {k: patched[k] for k in ("t", "p", "bse")} == {k: plain[k] for k in ("t", "p", "bse")}


def test_the_report_kernel_skips_them(tmp_path):
    qmd = tmp_path / "index.qmd"
    qmd.write_text('---\ntitle: "x"\n---\n\n```{python}\nfrom scipy._lib import _array_api\n'
                   'print(_array_api.FunctionDoc.__name__)\n```\n', encoding="utf-8")
    result = execute_document(read_qmd(qmd), "x", params={}, tables_dir=tmp_path)
    printed = "".join(o.get("text", "") for outs in result.outputs.values() for o in outs)
    assert "_DocUnchanged" in printed
