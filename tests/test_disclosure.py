"""Small-cell suppression: the OtO note's Tabel A1 rule (interval totals, zeros hidden), reproduced."""
from __future__ import annotations

import pandas as pd
import pytest

from analysis.disclosure import (Count, count_is_exact, count_is_interval, count_is_suppressed,
                                 counts_frame_bounds, suppress_counts)

ROWS = ["Fuldtidsbeskæftigede", "Fleksjob", "Deltid (15-25 timer)", "Småjob (< 15 timer)",
        "Ordinær uddannelse", "Førtidspension", "Ressourceforløb"]
NOTE_RULE = dict(totals="interval", suppress_zero=True)   # how the OtO note published Tabel A1
COLS = ["mar.21", "feb.22", "feb.23", "over perioden"]
# Published cells; the '<3' cells are given true values 0-2 (unknown in the source).
A1 = pd.DataFrame([[5, 6, 6, 14],
                   [8, 9, 23, 24],
                   [2, 5, 3, 3],
                   [7, 6, 6, 7],
                   [1, 0, 2, 3],
                   [3, 6, 14, 14],
                   [0, 5, 5, 7]], index=ROWS, columns=COLS)


def test_tabel_a1_reproduction():
    out = suppress_counts(A1, min_count=3, total_row="I alt", **NOTE_RULE)
    assert list(out.index) == ROWS + ["I alt"]
    total = out.loc["I alt"]
    assert (total["mar.21"].low, total["mar.21"].high) == (23, 29)
    assert (total["feb.22"].low, total["feb.22"].high) == (37, 39)
    assert (total["feb.23"].low, total["feb.23"].high) == (57, 59)
    assert count_is_exact(total["over perioden"]) and total["over perioden"].low == 72
    assert all(count_is_interval(total[c]) for c in COLS[:3])
    # suppressed cells
    for r, c in [("Deltid (15-25 timer)", "mar.21"), ("Ordinær uddannelse", "mar.21"),
                 ("Ressourceforløb", "mar.21"), ("Ordinær uddannelse", "feb.22"),
                 ("Ordinær uddannelse", "feb.23")]:
        assert out.at[r, c] == Count(0, 2, True)
        assert count_is_suppressed(out.at[r, c])
    # exact cells, including exactly min_count
    assert out.at["Førtidspension", "mar.21"] == Count(3, 3, False)
    assert out.at["Ordinær uddannelse", "over perioden"] == Count.exact(3)


def test_total_row_given_must_match():
    with_total = pd.concat([A1, A1.sum().to_frame("I alt").T])
    out = suppress_counts(with_total, total_row="I alt", **NOTE_RULE)
    assert (out.at["I alt", "mar.21"].low, out.at["I alt", "mar.21"].high) == (23, 29)
    bad = with_total.copy()
    bad.loc["I alt", "feb.22"] += 1
    with pytest.raises(ValueError, match="I alt"):
        suppress_counts(bad, total_row="I alt", **NOTE_RULE)


def test_zero_counts_are_suppressed():
    df = pd.DataFrame({"a": [0, 0], "b": [0, 4]}, index=["x", "y"])
    out = suppress_counts(df, total_row="total", **NOTE_RULE)
    assert out.at["x", "a"] == Count(0, 2, True)
    assert (out.at["total", "a"].low, out.at["total", "a"].high) == (0, 4)
    assert (out.at["total", "b"].low, out.at["total", "b"].high) == (4, 6)


def test_no_total_row_keeps_shape():
    out = suppress_counts(A1, **NOTE_RULE)
    assert out.shape == A1.shape and list(out.index) == ROWS
    assert out.at["Fleksjob", "feb.23"] == Count.exact(23)
    assert out.at["Deltid (15-25 timer)", "mar.21"].suppressed


def test_min_count_5():
    df = pd.DataFrame({"t": [3, 4, 5, 10]}, index=list("abcd"))
    out = suppress_counts(df, min_count=5, total_row="sum", **NOTE_RULE)
    assert out.at["a", "t"] == Count(0, 4, True)
    assert out.at["b", "t"] == Count(0, 4, True)
    assert out.at["c", "t"] == Count.exact(5)
    assert (out.at["sum", "t"].low, out.at["sum", "t"].high) == (15, 23)


def test_single_suppressed_cell_never_with_exact_total():
    # one suppressed cell in a column: the total is an interval, so subtraction reveals nothing
    df = pd.DataFrame({"t": [1, 10, 20]}, index=list("abc"))
    out = suppress_counts(df, total_row="total", **NOTE_RULE)
    tot = out.at["total", "t"]
    assert not count_is_exact(tot) and (tot.low, tot.high) == (30, 32)
    assert tot.high - tot.low == 2  # exactly the '<3' information


def test_total_column_and_grand_total():
    df = pd.DataFrame({"m": [1, 5], "k": [4, 6]}, index=["x", "y"])
    out = suppress_counts(df, total_row="I alt", total_col="Alle", **NOTE_RULE)
    assert (out.at["x", "Alle"].low, out.at["x", "Alle"].high) == (4, 6)
    assert out.at["y", "Alle"] == Count.exact(11)
    assert (out.at["I alt", "m"].low, out.at["I alt", "m"].high) == (5, 7)
    assert out.at["I alt", "k"] == Count.exact(10)
    assert (out.at["I alt", "Alle"].low, out.at["I alt", "Alle"].high) == (15, 17)


def test_invalid_input():
    with pytest.raises(ValueError):
        suppress_counts(pd.DataFrame({"a": [1.5]}), **NOTE_RULE)
    with pytest.raises(ValueError):
        suppress_counts(pd.DataFrame({"a": [-1]}), **NOTE_RULE)
    with pytest.raises(ValueError):
        suppress_counts(pd.DataFrame({"a": [None, 1]}), **NOTE_RULE)
    with pytest.raises(ValueError):
        Count(3, 2)


def test_bounds_frame():
    fr = counts_frame_bounds(suppress_counts(A1, total_row="I alt", **NOTE_RULE))
    row = fr[(fr["row"] == "I alt") & (fr["column"] == "mar.21")].iloc[0]
    assert (row["low"], row["high"], row["suppressed"], row["exact"]) == (23, 29, False, False)


def test_suppress_partition_adds_a_complementary_cell():
    from analysis.disclosure import suppress_partition

    counts = pd.DataFrame({"A": [80, 10, 2], "B": [50, 30, 20], "C": [1, 40, 2]},
                          index=["lab", "sel85", "sel82b"])
    hide = suppress_partition(counts, min_count=3)
    assert hide["A"].tolist() == [False, True, True]      # 2 primary, 10 complementary
    assert not hide["B"].any()
    assert hide["C"].tolist() == [True, False, True]      # two primary cells: nothing more
