"""Coarsened exact matching (CEM) and effects in the matched sample.

Method (Iacus, King & Porro 2012, "Causal inference without balance checking:
coarsened exact matching", *Political Analysis* 20(1)):

1. Every matching covariate is *coarsened* by an explicit rule
   (:class:`Coarsening`): numeric variables into intervals ``[c_j, c_{j+1})``
   given by cut points, categorical variables by merging levels.
2. The *strata* are the distinct combinations of the coarsened values.
3. A stratum with at least one treated and one control unit is *matched*; all
   units of other strata are unmatched and get weight 0.
4. Weights (the CEM weights of the paper and of the R package ``cem``):
   a matched treated unit gets 1; a matched control unit in stratum ``s`` gets
   ``(m_C / m_T) · (m_T^s / m_C^s)``, where ``m_T``, ``m_C`` are the numbers of
   matched treated and control units and ``m_T^s``, ``m_C^s`` those in ``s``.
   So the weighted controls of a stratum count as many as its treated, scaled
   so that the control weights sum to ``m_C``. The estimand is the effect on
   the *matched* treated (ATT when every treated unit is matched).
5. Balance: the multivariate L1 imbalance ``L1 = ½ Σ_cells |f_cell − g_cell|``
   over the cells of a cross-tabulation of the covariates (``f``, ``g``: the
   relative frequencies of treated and controls, weighted after matching). It
   must be measured on a *finer* grid than the matching coarsening (on the
   matching grid it is 0 after CEM by construction); :func:`l1_imbalance` takes
   that grid explicitly. 0 = identical distributions, 1 = no overlap.

Effects: :func:`matched_effect` fits weighted least squares with the CEM weights
(statsmodels WLS) of the outcome on the treatment dummy and controls, with
heteroskedasticity-robust (HC1) standard errors and normal-theory 95 % CI.

Written here because no maintained Python library implements CEM (the PyPI
package ``cem`` is a small unmaintained port; the reference implementation is
the R package ``cem``); the algorithm is a group-by of a few lines.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats


@dataclass(frozen=True)
class Coarsening:
    """How one covariate is coarsened.

    Numeric: ``cuts`` (increasing); the bins are ``(-inf, c1), [c1, c2), …, [ck, inf)``.
    Categorical: ``groups`` maps each level to its coarse group (levels not in the map stay
    as they are). Neither: the variable is matched exactly."""

    column: str
    cuts: tuple[float, ...] | None = None
    groups: Mapping[object, str] | None = field(default=None, hash=False)

    def apply(self, values: pd.Series) -> pd.Series:
        if self.cuts is not None:
            cuts = np.asarray(self.cuts, float)
            if np.any(np.diff(cuts) <= 0):
                raise ValueError(f"{self.column}: cut points must increase")
            x = pd.to_numeric(values).to_numpy(dtype=float)
            if np.isnan(x).any():
                raise ValueError(f"{self.column}: missing values cannot be coarsened")
            return pd.Series(np.searchsorted(cuts, x, side="right"), index=values.index).astype(str)
        if self.groups is not None:
            return values.map(lambda v: self.groups.get(v, v)).astype(str)
        return values.astype(str)

    def bins(self) -> list[str]:
        """Human-readable bins, e.g. ['< 40', '40–49', '≥ 50'] (numeric) or the groups."""
        if self.cuts is not None:
            c = [f"{v:g}" for v in self.cuts]
            return [f"< {c[0]}"] + [f"{a}–<{b}" for a, b in zip(c[:-1], c[1:])] + [f"≥ {c[-1]}"]
        if self.groups is not None:
            return sorted(set(map(str, self.groups.values())))
        return []


def coarsen(frame: pd.DataFrame, rules: Sequence[Coarsening]) -> pd.DataFrame:
    """The coarsened covariates (string codes), one column per rule."""
    missing = [r.column for r in rules if r.column not in frame.columns]
    if missing:
        raise ValueError(f"data has no column(s): {', '.join(missing)}")
    return pd.DataFrame({r.column: r.apply(frame[r.column]) for r in rules}, index=frame.index)


@dataclass(frozen=True)
class CemResult:
    """CEM result, aligned with the input rows."""

    stratum: pd.Series          # stratum id (int, by first appearance), same index as the input
    matched: pd.Series          # bool
    weight: pd.Series           # CEM weight (0 if unmatched)
    treated: pd.Series          # bool
    n_strata: int
    n_matched_strata: int

    def counts(self) -> pd.DataFrame:
        """Rows 'Alle', 'Matchede', 'Umatchede'; columns 'treated', 'control' (counts)."""
        t, m = self.treated, self.matched
        return pd.DataFrame({"treated": [int(t.sum()), int((t & m).sum()), int((t & ~m).sum())],
                             "control": [int((~t).sum()), int((~t & m).sum()), int((~t & ~m).sum())]},
                            index=["all", "matched", "unmatched"])


def cem_weights(strata: Sequence, treated: Sequence) -> tuple[np.ndarray, np.ndarray]:
    """(weights, matched) for given stratum labels and 0/1 treatment (module docstring, step 4)."""
    s = pd.Series(np.asarray(strata))
    t = np.asarray(treated).astype(bool)
    if len(s) != len(t):
        raise ValueError("strata and treated must have the same length")
    nt = pd.Series(t.astype(int)).groupby(s.to_numpy()).transform("sum").to_numpy()
    nc = pd.Series((~t).astype(int)).groupby(s.to_numpy()).transform("sum").to_numpy()
    matched = (nt > 0) & (nc > 0)
    m_t, m_c = int((matched & t).sum()), int((matched & ~t).sum())
    w = np.zeros(len(t))
    w[matched & t] = 1.0
    if m_t:
        cm = matched & ~t
        w[cm] = (m_c / m_t) * nt[cm] / nc[cm]
    return w, matched


def cem(frame: pd.DataFrame, treatment: str, rules: Sequence[Coarsening]) -> CemResult:
    """Coarsened exact matching of ``frame`` on ``rules`` (module docstring)."""
    if treatment not in frame.columns:
        raise ValueError(f"data has no column '{treatment}'")
    t = frame[treatment]
    if t.isna().any() or not set(t.unique()).issubset({0, 1, True, False}):
        raise ValueError(f"treatment '{treatment}' must be 0/1 without missing values")
    codes = coarsen(frame, rules)
    key = codes.astype(str).agg("|".join, axis=1)
    stratum = pd.Series(pd.factorize(key)[0], index=frame.index)
    w, matched = cem_weights(stratum.to_numpy(), t.to_numpy())
    n_matched_strata = int(pd.Series(stratum.to_numpy()[matched]).nunique())
    return CemResult(stratum=stratum, matched=pd.Series(matched, index=frame.index),
                     weight=pd.Series(w, index=frame.index), treated=t.astype(bool),
                     n_strata=int(stratum.nunique()), n_matched_strata=n_matched_strata)


def l1_imbalance(frame: pd.DataFrame, treatment: str, grid: Sequence[Coarsening],
                 weights: Sequence[float] | None = None) -> float:
    """Multivariate L1 = ½ Σ |f − g| over the cells of ``grid`` (module docstring, step 5).

    ``weights`` (e.g. the CEM weights; units with weight 0 drop out) default to 1."""
    codes = coarsen(frame, grid)
    cell = codes.astype(str).agg("|".join, axis=1).to_numpy()
    t = frame[treatment].to_numpy().astype(bool)
    w = np.ones(len(frame)) if weights is None else np.asarray(weights, float)
    if len(w) != len(frame) or np.any(w < 0):
        raise ValueError("weights must be non-negative, one per row")
    f = pd.Series(w[t]).groupby(cell[t]).sum()
    g = pd.Series(w[~t]).groupby(cell[~t]).sum()
    if f.sum() <= 0 or g.sum() <= 0:
        raise ValueError("both groups need positive total weight")
    f, g = f / f.sum(), g / g.sum()
    both = f.index.union(g.index)
    return float(0.5 * np.abs(f.reindex(both, fill_value=0) - g.reindex(both, fill_value=0)).sum())


def weighted_means(frame: pd.DataFrame, treatment: str, columns: Sequence[str],
                   weights: Sequence[float] | None = None) -> pd.DataFrame:
    """Weighted mean of each column for treated and controls (balance table):
    index = columns, columns 'treated', 'control', 'difference'."""
    t = frame[treatment].to_numpy().astype(bool)
    w = np.ones(len(frame)) if weights is None else np.asarray(weights, float)
    rows = {}
    for c in columns:
        x = pd.to_numeric(frame[c]).to_numpy(dtype=float)
        mt = float(np.average(x[t], weights=w[t]))
        mc = float(np.average(x[~t], weights=w[~t]))
        rows[c] = (mt, mc, mt - mc)
    return pd.DataFrame.from_dict(rows, orient="index", columns=["treated", "control", "difference"])


@dataclass(frozen=True)
class MatchedEffect:
    """Treatment coefficient of a CEM-weighted regression."""

    outcome: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    n_treated: int
    n_control: int
    mean_treated: float          # weighted means of the outcome
    mean_control: float
    cov_type: str = "HC1"
    alpha: float = 0.05


def matched_effect(frame: pd.DataFrame, outcome: str, treatment: str, weights: Sequence[float],
                   controls: Sequence[str] = (), alpha: float = 0.05) -> MatchedEffect:
    """WLS of ``outcome`` on the treatment dummy and ``controls`` with the CEM ``weights``; HC1 SEs.

    Rows with weight 0 or a missing outcome are dropped; a missing control raises ``ValueError``.
    Controls that are constant in the sample are dropped (collinear with the intercept)."""
    w_all = pd.Series(np.asarray(weights, float), index=frame.index)
    keep = (w_all > 0) & frame[outcome].notna()
    d = frame.loc[keep]
    w = w_all[keep].to_numpy()
    for c in controls:
        if d[c].isna().any():
            raise ValueError(f"control '{c}' has missing values in the matched sample")
    X = pd.DataFrame({"const": 1.0, treatment: d[treatment].astype(float)}, index=d.index)
    for c in controls:
        if d[c].nunique() > 1:
            X[c] = pd.to_numeric(d[c]).astype(float)
    y = pd.to_numeric(d[outcome]).astype(float).to_numpy()
    res = sm.WLS(y, X.to_numpy(), weights=w).fit(cov_type="HC1")
    est, se = float(res.params[1]), float(res.bse[1])
    z = stats.norm.ppf(1 - alpha / 2)
    t = d[treatment].astype(bool).to_numpy()
    return MatchedEffect(outcome=outcome, estimate=est, se=se, ci_low=est - z * se, ci_high=est + z * se,
                         p_value=float(2 * stats.norm.sf(abs(est / se))), n_treated=int(t.sum()),
                         n_control=int((~t).sum()), mean_treated=float(np.average(y[t], weights=w[t])),
                         mean_control=float(np.average(y[~t], weights=w[~t])), alpha=alpha)
