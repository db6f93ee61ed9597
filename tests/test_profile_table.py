"""profile_table: characteristics by group from a row specification, with disclosure of small shares."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evalreport.author import profile_table


@pytest.fixture
def profile():
    return pd.DataFrame({
        "A": [38.254, 0.191, 0.004, 0.02], "B": [36.9, 0.36, 0.0, np.nan],
        "n_A": [900, 900, 900, 900], "n_B": [300, 300, 300, 300],
        "persons_A": [400, 160, 3, 2], "persons_B": [150, 50, 0, 0],
        "npersons_A": [400, 400, 400, 400], "npersons_B": [150, 150, 150, 2],
    }, index=["alder", "gift", "sjaelden", "faa"])


def test_rows_cells_headings_and_count_row(profile):
    rows = [("Alder, år", "alder", "mean:2"), ("Familie",), ("Gift", "gift", "share"),
            ("Sjælden", "sjaelden", "share"), ("Få", "faa", "share"), ("Få, som gennemsnit", "faa", "pct")]
    t = profile_table(profile, rows, columns={"A": "Gruppe A", "B": "Gruppe B"}, id="tbl-p", min_count=3,
                      notes="Andele i pct.", source="Syntetiske data.")
    d = t.display
    assert d.loc["alder"].tolist() == ["38,25", "36,90"]
    assert d.loc["gift"].tolist() == ["19", "36"]
    assert d.loc["sjaelden"].tolist() == ["<1", "0"]              # 0,4 pct. from 3 persons; zero is zero
    assert d.loc["faa"].tolist() == ["..", ".."]                   # 2 persons with it / 2 persons behind it
    # the same variable as a mean in pct.: only the persons behind the mean count (2 in B)
    assert d.loc["faa (2)"].tolist() == ["2", ".."]
    assert d.loc["n"].tolist() == ["900", "300"]
    assert [r.kind for r in t.rows] == ["data", "subhead", "data", "data", "data", "data", "data"]
    assert [r.indent for r in t.rows if r.kind == "data"][:2] == [1, 1]
    assert t.raw.loc["faa", "A"] is None and t.raw.loc["gift", "B"] == pytest.approx(0.36)
    assert t.notes[-1].startswith("..: diskretioneret") and t.notes[0] == "Andele i pct."
    assert t.source == "Syntetiske data."


def test_without_person_counts_nothing_is_hidden(profile):
    plain = profile.drop(columns=[c for c in profile.columns if "persons" in c])
    t = profile_table(plain, [("Få", "faa", "share")], columns={"A": "A"}, id="tbl-q", count_row=None)
    assert t.display.loc["faa"].tolist() == ["2"] and len(t.rows) == 1


def test_mistakes_are_named(profile):
    with pytest.raises(KeyError, match="no variable 'nej'"):
        profile_table(profile, [("X", "nej", "share")], columns={"A": "A"}, id="tbl-x")
    with pytest.raises(ValueError, match="unknown kind"):
        profile_table(profile, [("X", "gift", "median")], columns={"A": "A"}, id="tbl-x")
    with pytest.raises(KeyError, match="no column"):
        profile_table(profile, [("X", "gift", "share")], columns={"C": "C"}, id="tbl-x")
