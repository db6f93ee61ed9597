"""Self-reported scales: scoring, paired development and association with later employment.

Scoring (:func:`scale_scores`)
    * WHO-5: 4 × the sum of five items 0–5, range 0–100. The form of the
      evaluation lacked answer category 2, so two bounds are also computed
      (the original's sensitivity analysis): ``who5_low`` recodes every 3 to 2
      (a respondent who would have said 2 had to say 3), ``who5_high`` every 1
      to 2.
    * General Self-Efficacy (GSE): sum of ten items 1–4, range 10–40.
    * BIP indicators: mean of the six indicators 1–5.

Development (:func:`paired_change`): for measurement 1 against a later
measurement k, the respondents with both; mean at each, mean change, its 95 %
CI and the paired t-test (scipy ``ttest_rel``).

Association (:func:`association_ols`): OLS of a later outcome on the change
from the first to the latest measurement of a scale, controlling for the
first score and background, HC1 standard errors (statsmodels).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

SCALES = ("who5", "gse", "bip")


def scale_scores(progress: pd.DataFrame, bip_items: Sequence[str]) -> pd.DataFrame:
    """person_id, measurement, month and the scores who5, who5_low, who5_high, gse, bip."""
    who = progress[[f"who5_{i}" for i in range(1, 6)]].to_numpy()
    gse = progress[[f"gse_{i}" for i in range(1, 11)]].to_numpy()
    bip = progress[[f"bip_{b}" for b in bip_items]].to_numpy()
    if np.any((who < 0) | (who > 5)) or np.any((gse < 1) | (gse > 4)) or np.any((bip < 1) | (bip > 5)):
        raise ValueError("item values outside their scale (WHO-5 0-5, GSE 1-4, BIP 1-5)")
    return pd.DataFrame({
        "person_id": progress["person_id"].to_numpy(), "measurement": progress["measurement"].to_numpy(),
        "month": progress["month"].to_numpy(),
        "who5": 4.0 * who.sum(axis=1), "who5_low": 4.0 * np.where(who == 3, 2, who).sum(axis=1),
        "who5_high": 4.0 * np.where(who == 1, 2, who).sum(axis=1),
        "gse": gse.sum(axis=1).astype(float), "bip": bip.mean(axis=1)})


@dataclass(frozen=True)
class PairedChange:
    scale: str
    later: int
    n: int
    mean_first: float
    mean_later: float
    change: float
    ci_low: float
    ci_high: float
    p_value: float


def paired_change(scores: pd.DataFrame, scale: str, later: int, first: int = 1,
                  alpha: float = 0.05) -> PairedChange:
    """Mean change of ``scale`` from measurement ``first`` to ``later`` among those with both."""
    a = scores[scores["measurement"] == first].set_index("person_id")[scale]
    b = scores[scores["measurement"] == later].set_index("person_id")[scale]
    both = a.index.intersection(b.index)
    if len(both) < 2:
        raise ValueError(f"fewer than two respondents with measurements {first} and {later}")
    x, y = a.loc[both].to_numpy(float), b.loc[both].to_numpy(float)
    d = y - x
    se = d.std(ddof=1) / np.sqrt(len(d))
    tq = stats.t.ppf(1 - alpha / 2, len(d) - 1)
    p = float(stats.ttest_rel(y, x).pvalue) if se > 0 else float("nan")
    return PairedChange(scale, int(later), int(len(d)), float(x.mean()), float(y.mean()), float(d.mean()),
                        float(d.mean() - tq * se), float(d.mean() + tq * se), p)


def first_latest(scores: pd.DataFrame, scale: str) -> pd.DataFrame:
    """Per person with at least two measurements: first score, latest score and the change."""
    s = scores.sort_values(["person_id", "measurement"])
    g = s.groupby("person_id")[scale]
    out = pd.DataFrame({"first": g.first(), "latest": g.last(), "n_measurements": g.size()})
    out = out[out["n_measurements"] >= 2]
    out["change"] = out["latest"] - out["first"]
    return out.reset_index()


@dataclass(frozen=True)
class Association:
    scale: str
    outcome: str
    coef: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    n: int
    sd_change: float


def association_ols(frame: pd.DataFrame, outcome: str, scale: str, change: str, first: str,
                    controls: Sequence[str] = (), alpha: float = 0.05) -> Association:
    """OLS of ``outcome`` on ``change`` (and the first score and ``controls``), HC1 SEs;
    the coefficient is per scale point of change."""
    d = frame[[outcome, change, first, *controls]].dropna()
    X = pd.DataFrame({"const": 1.0, change: d[change], first: d[first]}, index=d.index)
    for c in controls:
        if d[c].nunique() > 1:
            X[c] = d[c].astype(float)
    res = sm.OLS(d[outcome].astype(float), X).fit(cov_type="HC1")
    est, se = float(res.params[change]), float(res.bse[change])
    z = stats.norm.ppf(1 - alpha / 2)
    return Association(scale, outcome, est, se, est - z * se, est + z * se, float(res.pvalues[change]),
                       int(len(d)), float(d[change].std(ddof=1)))
