"""analysis.caseworker: leave-one-citizen-out belief, caseworker changes, employment differences."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import caseworker as cw


def test_belief_leaves_the_citizen_out_and_changes_are_counted():
    answers = pd.DataFrame({
        "person_id":     [1, 1, 1, 2, 2, 3, 4],
        "maaling":       [1, 2, 3, 1, 2, 1, 1],
        "caseworker_id": [10, 10, 11, 11, 11, 10, 12],
        "S12":           [5, 3, np.nan, 2, 4, 1, 3],
    })
    persons = pd.DataFrame({"person_id": [1, 2, 3, 4], "jobcenter": ["A", "A", "A", "B"],
                            "uger_beskaeft_52u": [52, 0, 26, 13]})
    f = cw.caseworker_followup(persons, answers).set_index("person_id")
    # person 1 ends with caseworker 11, who rated only person 2 (2 and 4): belief 3
    assert f.at[1, "caseworker_id"] == 11 and f.at[1, "belief"] == 3 and f.at[1, "changes"] == 1
    # person 2's caseworker 11 rated nobody else but person 1 with a missing S12: dropped
    assert 2 not in f.index
    # person 3's caseworker 10 rated person 1 with 5 and 3: belief 4
    assert f.at[3, "belief"] == 4 and f.at[3, "changes"] == 0 and f.at[3, "changed"] == 0
    # person 4's caseworker rated nobody else: dropped
    assert 4 not in f.index
    assert f.at[1, "employment_rate"] == 1.0 and f.at[3, "employment_rate"] == 0.5
    # within jobcentre A the median belief is 3.5: person 3 above, person 1 below
    assert f.at[3, "high_belief"] == 1 and f.at[1, "high_belief"] == 0


def test_employment_difference_is_the_within_jobcentre_difference():
    rng = np.random.default_rng(1)
    n = 400
    f = pd.DataFrame({"jobcenter": rng.choice(list("AB"), n), "caseworker_id": rng.integers(1, 41, n),
                      "changed": rng.integers(0, 2, n)})
    f["employment_rate"] = 0.1 + 0.05 * f["changed"] + 0.02 * (f["jobcenter"] == "B") + rng.normal(0, 0.05, n)
    r = cw.employment_difference(f, "changed")
    X = np.column_stack([np.ones(n), f["changed"], f["jobcenter"] == "B"]).astype(float)
    beta = np.linalg.lstsq(X, f["employment_rate"].to_numpy(), rcond=None)[0]
    assert r.estimate == pytest.approx(beta[1], rel=1e-10)
    assert r.n_clusters == f["caseworker_id"].nunique() and r.df == r.n_clusters - 1
