"""The disclosure rule set against hostile tables: every suppressed value stays unknown.

Each test states how a reader would try to recover a suppressed value and checks, with an
independent computation (brute force over all tables consistent with what is published, or
linear programming), that it cannot be done.
"""
import itertools

import numpy as np
import pandas as pd
import pytest

from analysis.disclosure import (Count, primary_rule, protect_cells, recoverable_cells,
                                 suppress_counts)


def published(out: pd.DataFrame):
    """What a reader sees: exact values where published, None where hidden."""
    return out.map(lambda c: None if c.suppressed else (c.low if c.low == c.high else None))


def candidates(out: pd.DataFrame, total_row: str, total_col: str, max_value: int = 60):
    """Brute force: every filling of the hidden body cells (0..max_value) that adds up to the
    published totals. Independent of the LP audit."""
    seen = published(out)
    body_rows = [r for r in out.index if r != total_row]
    body_cols = [c for c in out.columns if c != total_col]
    hidden = [(r, c) for r in body_rows for c in body_cols if seen.at[r, c] is None]
    fills = []
    for combo in itertools.product(range(max_value + 1), repeat=len(hidden)):
        grid = seen.copy()
        for (r, c), v in zip(hidden, combo):
            grid.at[r, c] = v
        ok = all(sum(grid.at[r, c] for c in body_cols) == seen.at[r, total_col] for r in body_rows) and \
            all(sum(grid.at[r, c] for r in body_rows) == seen.at[total_row, c] for c in body_cols)
        if ok:
            fills.append(dict(zip(hidden, combo)))
    return hidden, fills


def test_recovery_by_subtraction_from_a_total_is_prevented():
    # The OtO leak: Tilbud 6 - Nej-tak 4 = Accept 2. With the total published exactly, a second
    # cell of the row (and of its column) must be hidden too.
    counts = pd.DataFrame({"Accept": [2, 30], "Nej-tak": [4, 25], "Kontrol": [9, 40]},
                          index=["Fleksjob", "Andet"])
    out = suppress_counts(counts, 3, total_row="I alt", total_col="Tilbud og kontrol")
    assert out.at["Fleksjob", "Accept"].suppressed and not out.at["Fleksjob", "Accept"].complementary
    assert sum(c.suppressed for c in out.loc["Fleksjob"]) >= 2          # row: not recoverable
    assert sum(c.suppressed for c in out["Accept"]) >= 2                # column: not recoverable
    assert out.at["I alt", "Tilbud og kontrol"] == Count.exact(110)     # totals stay exact
    hidden, fills = candidates(out, "I alt", "Tilbud og kontrol")
    for cell in hidden:
        assert len({f[cell] for f in fills}) > 1, cell                  # never pinned to one value


def test_naive_suppression_is_caught_by_the_audit():
    values = np.array([[2, 4, 6], [30, 25, 55], [32, 29, 61]])
    hidden = np.zeros_like(values, dtype=bool)
    hidden[0, 0] = True                                                  # only the primary cell
    assert recoverable_cells(values, hidden, total_row=2, total_col=2) == [(0, 0, 2.0, 2.0)]


@pytest.mark.parametrize("seed", range(12))
def test_random_tables_never_leak(seed):
    rng = np.random.default_rng(seed)
    counts = pd.DataFrame(rng.choice([0, 1, 2, 3, 5, 8, 20], size=(4, 3), p=[.15, .2, .15, .1, .1, .1, .2]),
                          index=list("abcd"), columns=list("xyz"))
    out = suppress_counts(counts, 3, total_row="sum", total_col="all")
    arr = np.array([[c.low if not c.suppressed else 0 for c in row] for row in out.to_numpy()])
    truth = counts.copy()
    truth["all"] = truth.sum(axis=1)
    truth.loc["sum"] = truth.sum()
    hidden = np.array([[c.suppressed for c in row] for row in out.to_numpy()])
    full = truth.to_numpy()
    assert not recoverable_cells(np.where(hidden, 0, full), hidden, total_row=4, total_col=3)
    for (i, j) in zip(*np.nonzero((0 < full) & (full < 3))):
        if i < 4 and j < 3:
            assert hidden[i, j]
    assert (arr[~hidden] == full[~hidden]).all()


def test_zero_is_published_as_zero_unless_configured():
    counts = pd.DataFrame({"a": [0, 7], "b": [9, 8]}, index=["x", "y"])
    assert suppress_counts(counts, 3, total_row="t")["a"]["x"] == Count.exact(0)
    assert suppress_counts(counts, 3, total_row="t", suppress_zero=True)["a"]["x"].suppressed


def test_two_person_group_mean_is_suppressed():
    assert primary_rule(2, kind="mean") == "beregnet på færre end 3 personer"
    assert primary_rule(3, kind="mean") is None
    assert primary_rule(4, kind="mean", min_count=5) is not None


@pytest.mark.parametrize("n, share, bad", [(2, 0.5, True), (40, 1 / 40, True), (40, 39 / 40, True),
                                           (40, 0.5, False), (40, 0.0, False), (3, 1.0, False)])
def test_share_with_a_small_denominator_or_numerator(n, share, bad):
    assert (primary_rule(n, kind="share", value=share) is not None) is bad


def test_group_statistics_with_a_total_group_get_a_complement():
    # Tilbud = Accept + Nej-tak: the mean of Tilbud, of Accept and their counts give the
    # two-person Nej-tak mean away, unless a second part is hidden.
    persons = pd.DataFrame({"Tilbud": [6, 60], "Accept": [4, 30], "Nej-tak": [2, 30], "Kontrol": [8, 50]},
                           index=["Karakter", "Alder"])
    rules = protect_cells(persons, parts={"Tilbud": ["Accept", "Nej-tak"]})
    assert rules.at["Karakter", "Nej-tak"] == "beregnet på færre end 3 personer"
    assert rules.at["Karakter", "Accept"] == "komplementær"
    assert rules.at["Karakter", "Tilbud"] is None and rules.at["Karakter", "Kontrol"] is None
    assert rules.loc["Alder"].isna().all()
