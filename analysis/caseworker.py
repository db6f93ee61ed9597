"""The caseworker's role for the citizen's employment: belief in the citizen's job chance and caseworker changes.

Two associations the STAR note reports from BIP, computed on the BIP panel
(one row per measurement with ``caseworker_id`` and the caseworker's S12
"Jobchance" rating; one row per citizen with weeks employed in the 52 weeks
after the last measurement):

*Caseworker belief.* A caseworker's belief is the mean of his or her S12
ratings of *other* citizens (leave-one-citizen-out, so a citizen's own job
chances do not enter the measure of the caseworker). A citizen's exposure is
the belief of the caseworker at the last measurement; "high belief" is a
belief above the median of the citizens' exposures within the jobcentre.

*Caseworker change.* The number of measurements at which the caseworker
differs from the one at the citizen's previous measurement; "changed" is at
least one change.

Both comparisons are estimated with :func:`analysis.rct.itt_effect` as a
difference in the employment rate (weeks employed / 52) with jobcentre
dummies, clustered by the last caseworker. They are associations: neither
belief nor changes are randomised.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.rct import EffectEstimate, itt_effect


def caseworker_followup(persons: pd.DataFrame, answers: pd.DataFrame, *, rating: str = "S12",
                        weeks: str = "uger_beskaeft_52u") -> pd.DataFrame:
    """One row per citizen with at least one caseworker answer: ``person_id, jobcenter,
    caseworker_id`` (last), ``belief`` (leave-one-citizen-out mean rating of that caseworker),
    ``high_belief`` (0/1, above the jobcentre median), ``changes`` and ``changed`` (0/1),
    ``employment_rate`` (weeks / 52). Citizens whose last caseworker rated nobody else are dropped."""
    a = answers.sort_values(["person_id", "maaling"], kind="mergesort")
    prev = a.groupby("person_id")["caseworker_id"].shift()
    changes = (prev.notna() & (prev != a["caseworker_id"])).groupby(a["person_id"]).sum()
    last = a.groupby("person_id").tail(1).set_index("person_id")["caseworker_id"]
    r = a.dropna(subset=[rating]).assign(_r=lambda x: x[rating].astype(float))
    by_cw_person = r.groupby(["caseworker_id", "person_id"])["_r"].agg(["sum", "count"])
    by_cw = by_cw_person.groupby(level=0).sum()
    key = pd.MultiIndex.from_arrays([last.to_numpy(), last.index.to_numpy()])
    own = by_cw_person.reindex(key).fillna(0).to_numpy(dtype=float)
    tot = by_cw.reindex(last.to_numpy()).fillna(0).to_numpy(dtype=float)
    n_other = tot[:, 1] - own[:, 1]
    belief = np.where(n_other > 0, (tot[:, 0] - own[:, 0]) / np.where(n_other > 0, n_other, 1), np.nan)
    out = pd.DataFrame({"person_id": last.index, "caseworker_id": last.to_numpy(), "belief": belief,
                        "changes": changes.reindex(last.index).to_numpy().astype(int)})
    out = out.merge(persons[["person_id", "jobcenter", weeks]], on="person_id", how="left", validate="one_to_one")
    out = out.dropna(subset=["belief"]).reset_index(drop=True)
    med = out.groupby("jobcenter")["belief"].transform("median")
    out["high_belief"] = (out["belief"] > med).astype(int)
    out["changed"] = (out["changes"] > 0).astype(int)
    out["employment_rate"] = out[weeks] / 52.0
    return out[["person_id", "jobcenter", "caseworker_id", "belief", "high_belief", "changes", "changed",
                "employment_rate"]]


def employment_difference(followup: pd.DataFrame, exposure: str, alpha: float = 0.05) -> EffectEstimate:
    """Employment rate of citizens with ``exposure`` = 1 minus = 0 (``high_belief`` or ``changed``),
    OLS with jobcentre dummies, clustered by the last caseworker (t(G − 1))."""
    return itt_effect(followup, "employment_rate", treatment=exposure, strata="jobcenter",
                      cluster="caseworker_id", alpha=alpha)
