"""The stacked est / (SE) / [kontrol] / <rel.> layout and the row-by-row TableBuilder."""
import csv
import io

import pandas as pd
import pytest

from evalreport.author.formatting import MINUS
from evalreport.author.tables import TableBuilder, stack_cell, stacked_table

# BOT Tabel 4.1-like results: att, se, p, control level.
RES = {
    ("emp", "alle"): {"att": 0.05291, "se": 0.02433, "p_value": 0.0297, "control_mean": 0.14643},
    ("emp", "maend"): {"att": 0.0301, "se": 0.0299, "p_value": 0.314, "control_mean": 0.2001},
    ("emp", "kvinder"): {"estimate": 0.0702, "se": 0.0301, "p_value": 0.0197, "control_mean": 0.0},
}


def get(rk, ck):
    return RES.get((rk, ck))


def test_stack_cell_lines():
    r = RES[("emp", "alle")]
    assert stack_cell(r, "est") == ("0,0529*", 0.05291)
    assert stack_cell(r, "se") == ("(0,0243)", 0.02433)
    assert stack_cell(r, "control") == ("[0,1464]", 0.14643)
    line, raw = stack_cell(r, "rel")
    assert line == "<+36,13 pct.>" and raw == pytest.approx(0.05291 / 0.14643)
    # not significant at 10 pct.: no relative line, but the raw value is kept
    line, raw = stack_cell(RES[("emp", "maend")], "rel")
    assert line == "" and raw == pytest.approx(0.0301 / 0.2001)
    # no positive control level: no relative effect at all
    assert stack_cell(RES[("emp", "kvinder")], "rel") == ("", None)
    assert stack_cell(None, "est") == ("", None)
    neg = {"att": -0.0123, "se": 0.004, "p_value": 0.0004, "control_mean": 0.1}
    assert stack_cell(neg, "est")[0] == f"{MINUS}0,0123***"
    assert stack_cell(neg, "rel")[0] == f"<{MINUS}12,30 pct.>"
    with pytest.raises(ValueError):
        stack_cell(neg, "ci")


def test_stacked_table_grid_and_raw():
    cols = [(f"{g}_1", name, "(1)") for g, name in (("alle", "Alle"), ("maend", "Mænd"),
                                                    ("kvinder", "Kvinder"))]
    t = stacked_table("tbl-besk", [("emp", "Ordinær beskæftigelse")], cols,
                      lambda rk, ck: get(rk, ck.split("_")[0]),
                      n_row=("Antal personer", lambda ck: {"alle": 1000, "maend": 400}.get(ck[:-2])),
                      notes="Læsevejledning.", source="Syntetiske data (seed 1).")
    grid = t.display_grid()
    assert grid[0] == ["", "Alle: (1)", "Mænd: (1)", "Kvinder: (1)"]
    assert grid[1:] == [
        ["Ordinær beskæftigelse", "0,0529*", "0,0301", "0,0702*"],
        ["", "(0,0243)", "(0,0299)", "(0,0301)"],
        ["", "[0,1464]", "[0,2001]", "[0,0000]"],
        ["", "<+36,13 pct.>", "", ""],
        ["Antal personer", "1.000", "400", ""],
    ]
    assert [r.key for r in t.rows] == ["emp.est", "emp.se", "emp.control", "emp.rel", "n"]
    raw = list(csv.reader(io.StringIO(t.raw_csv())))
    assert raw[0] == ["row", "alle_1", "maend_1", "kvinder_1"]
    assert raw[1] == ["emp.est", "0.05291", "0.0301", "0.0702"]
    lines = [text for _, text in t.note_lines()]
    assert lines == ["Signifikansniveauer: # p < 0,10; * p < 0,05; ** p < 0,01; *** p < 0,001.",
                     "Anm.: Læsevejledning.", "Kilde: Syntetiske data (seed 1)."]


def test_stacked_table_parts_and_no_legend():
    t = stacked_table("tbl-rob", [("emp", "Alle")], [("s3", None, "(3)")],
                      lambda rk, ck: RES[("emp", "alle")], parts=("est", "se"), legend=False)
    assert t.display_grid()[1:] == [["Alle", "0,0529*"], ["", "(0,0243)"]]
    assert t.star_levels is None
    with pytest.raises(ValueError):
        stacked_table("tbl-x", [("emp", "A")], [("a", None, "A")], get, parts=("est", "sd"))


def test_builder_rows_panels_and_raw():
    tb = TableBuilder({"alle": "Alle", "maend": "Mænd"}, spanners={"Deltagere": ["alle", "maend"]})
    tb.panel("Civilstand, pct.")
    tb.row("Enlig", [0.4149, 0.5], decimals=0, scale=100)
    tb.row("Alder, år", {"maend": 31.25, "alle": 30.04}, decimals=1)
    tb.subhead("Børn", indent=0)
    tb.row("Antal", [2, None], indent=1, footnote="Børn under 18 år.")
    tb.row("Antal", ["<3", "12"], raw=[None, 12])
    t = tb.build(id="tbl-besk", notes="Andele i pct.", source="Kilde: X.")
    assert [r.key for r in t.rows] == ["Civilstand, pct.", "Enlig", "Alder, år", "Børn", "Antal",
                                       "Antal (2)"]
    assert [r.kind for r in t.rows] == ["panel", "data", "data", "subhead", "data", "data"]
    assert t.display_grid() == [
        ["", "Deltagere: Alle", "Deltagere: Mænd"],
        ["Civilstand, pct.", "", ""],
        ["Enlig", "41", "50"],
        ["Alder, år", "30,0", "31,3"],
        ["Børn", "", ""],
        ["Antala)", "2", ""],
        ["Antal", "<3", "12"],
    ]
    assert t.raw.loc["Enlig", "alle"] == 0.4149                  # unscaled in the export
    assert t.raw.loc["Antal", "maend"] is None
    assert t.rows[4].indent == 1
    assert t.note_lines()[0] == ("footnote", "a) Børn under 18 år.")


def test_builder_checks_its_input():
    tb = TableBuilder(["a", "b"])
    with pytest.raises(ValueError):
        tb.row("x", [1, 2, 3])
    with pytest.raises(KeyError):
        tb.row("x", {"a": 1})
    tb2 = TableBuilder(["a"], raw_columns=["a.n", "a.mean"])
    with pytest.raises(ValueError):
        tb2.row("x", [1])
    tb2.row("x", ["5 (2)"], raw=[10, 5.0])
    assert list(tb2.build(id="tbl-y").raw.columns) == ["a.n", "a.mean"]
    with pytest.raises(KeyError):
        TableBuilder(["a"], spanners={"S": ["b"]})


def test_builder_counts_use_the_disclosure_format():
    class Count:
        def __init__(self, low, high, suppressed=False):
            self.low, self.high, self.suppressed = low, high, suppressed
    tb = TableBuilder(["n"])
    tb.row("A", [Count(0, 2, True)], raw=[None])
    tb.row("B", [Count(23, 29)], raw=[None])
    assert [r[1] for r in tb.build(id="tbl-n").display_grid()[1:]] == ["<3", "23-29"]
