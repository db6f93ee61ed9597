"""Intention-to-treat (ITT) and participation (Bloom) effects for a cluster-randomised trial.

Estimator. For each outcome, OLS of the outcome on the treatment (offer)
dummy, stratum dummies and covariates (categorical covariates as dummies; the
first sorted level of each is the reference), fitted with statsmodels. The
coefficient on the treatment dummy is the ITT effect.

Inference. With ``cluster`` given, standard errors are cluster-robust
(statsmodels ``cov_type="cluster"``, ``use_t=True``); see
:data:`SMALL_SAMPLE_NOTE`. With ``cluster=None`` classical (homoskedastic) OLS
standard errors and t(N - K) are used. For family-level outcomes (one row per
family) passing ``cluster="family_id"`` gives the heteroskedasticity-robust
HC1 variance (the correction collapses to N/(N-K)) with t(G - 1) = t(N - 1)
inference; that is what the OtO report uses, since the family-level cost
outcomes are very unequally spread in the two arms.

Participation. The effect of participating is the ITT divided by the take-up
share (Bloom 1984): estimate and both confidence limits are divided by the
*unrounded* take-up, and no extra uncertainty from the take-up is added, as in
the OtO note.

Winsorised outcomes (:func:`winsorised_itt_effect`). Costs with a long right tail
(a few families with very large municipal expenditure) make the mean effect and
its interval depend on a handful of units: in the OtO data-generating process
the 95 % interval of the social and total expenditure ITT covers the true effect
in only about 85 % of draws (``benchmarks/itt_coverage.py``). As a robustness
result the same regression is run on the outcome capped at an upper quantile of
its pooled distribution (both arms, rows with the outcome observed). This is a
different estimand, the effect on capped costs: it says how much of a saving
remains when no unit counts for more than the cap, not the saving itself.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm

SMALL_SAMPLE_NOTE = (
    "Standard errors are clustered at family level with the Stata-style small-sample "
    "correction: the cluster-robust sandwich variance is multiplied by G/(G-1) * (N-1)/(N-K), "
    "where G is the number of clusters (families), N the number of observations and K the "
    "number of regression coefficients. Tests and 95% confidence intervals use the t "
    "distribution with G-1 degrees of freedom (statsmodels OLS, cov_type='cluster', use_t=True)."
)

CLASSICAL_NOTE = (
    "Without clustering, classical OLS standard errors (homoskedastic errors) and the t "
    "distribution with N-K degrees of freedom are used."
)


@dataclass(frozen=True)
class EffectEstimate:
    """One ITT regression. Means and SDs (ddof=1) are raw, on the estimation sample."""

    outcome: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    df: int
    n_treated: int
    n_control: int
    n_clusters: int
    mean_treated: float
    sd_treated: float
    mean_control: float
    sd_control: float
    std_effect: float
    n_obs: int = 0
    n_params: int = 0
    cov_type: str = "cluster"
    alpha: float = 0.05
    dropped_columns: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        d = asdict(self)
        d["dropped_columns"] = tuple(self.dropped_columns)
        return d


@dataclass(frozen=True)
class ParticipationEffect:
    outcome: str
    estimate: float
    ci_low: float
    ci_high: float
    take_up: float


def add_missing_indicator(df: pd.DataFrame, column: str, fill: float = 0.0) -> tuple[pd.DataFrame, list[str]]:
    """Missing-indicator adjustment for a covariate observed for only some rows.

    Returns a copy of ``df`` with ``<column>_filled`` (missing replaced by
    ``fill``) and ``<column>_missing`` (1 if missing, else 0), and the two
    names to pass as covariates. If nothing is missing the flag is constant and
    :func:`itt_effect` drops it (recorded in ``dropped_columns``).
    """
    if column not in df.columns:
        raise ValueError(f"no column '{column}'")
    out = df.copy()
    filled, flag = f"{column}_filled", f"{column}_missing"
    values = pd.to_numeric(out[column], errors="raise").astype(float)
    out[flag] = values.isna().astype(int)
    out[filled] = values.fillna(fill)
    return out, [filled, flag]


def _dummies(series: pd.Series, name: str) -> pd.DataFrame:
    levels = sorted(series.unique().tolist(), key=lambda v: (str(type(v)), v))
    cols = {f"{name}[{lvl}]": (series == lvl).astype(float).to_numpy() for lvl in levels[1:]}
    return pd.DataFrame(cols, index=series.index)


def _design(d: pd.DataFrame, treatment: str, strata: str | None, covariates: Sequence[str],
            categorical: Sequence[str]) -> tuple[pd.DataFrame, list[str]]:
    parts = [pd.DataFrame({"const": 1.0, treatment: d[treatment].astype(float)}, index=d.index)]
    if strata is not None:
        parts.append(_dummies(d[strata], strata))
    for c in covariates:
        parts.append(pd.DataFrame({c: pd.to_numeric(d[c]).astype(float)}, index=d.index))
    for c in categorical:
        parts.append(_dummies(d[c], c))
    X = pd.concat(parts, axis=1)
    # Drop constant columns other than the intercept (e.g. a missing-indicator
    # that is all 0 in this sample, or a dummy level absent from the sample):
    # they are collinear with the intercept and would inflate K.
    dropped = [c for c in X.columns[2:] if X[c].nunique() <= 1]
    X = X.drop(columns=dropped)
    if np.linalg.matrix_rank(X.to_numpy()) < X.shape[1]:
        raise ValueError("design matrix is rank deficient (collinear covariates): "
                         + ", ".join(map(str, X.columns)))
    return X, dropped


def itt_effect(data: pd.DataFrame, outcome: str, *, treatment: str = "offer", strata: str | None = "stratum",
               covariates: Sequence[str] = (), categorical: Sequence[str] = (),
               cluster: str | None = "family_id", alpha: float = 0.05) -> EffectEstimate:
    """ITT effect of ``treatment`` on ``outcome`` by OLS (module docstring).

    Rows with a missing outcome are dropped. Missing values in the treatment,
    strata, cluster or any covariate raise ``ValueError`` naming the column
    (use :func:`add_missing_indicator` for lagged outcomes observed for some).
    """
    covariates, categorical = list(covariates), list(categorical)
    needed = [outcome, treatment] + ([strata] if strata else []) + covariates + categorical + (
        [cluster] if cluster else [])
    absent = [c for c in needed if c not in data.columns]
    if absent:
        raise ValueError(f"data has no column(s): {', '.join(absent)}")
    d = data.loc[data[outcome].notna(), list(dict.fromkeys(needed))]
    for c in needed[1:]:
        if d[c].isna().any():
            hint = " (use add_missing_indicator for a covariate observed for only some rows)" \
                if c in covariates else ""
            raise ValueError(f"column '{c}' has {int(d[c].isna().sum())} missing value(s) among rows "
                             f"with '{outcome}' observed{hint}")
    t = d[treatment].astype(float)
    if not set(np.unique(t)).issubset({0.0, 1.0}):
        raise ValueError(f"treatment '{treatment}' must be 0/1")
    if t.nunique() < 2:
        raise ValueError(f"treatment '{treatment}' does not vary among rows with '{outcome}' observed")
    y = pd.to_numeric(d[outcome]).astype(float)
    X, dropped = _design(d, treatment, strata, covariates, categorical)
    model = sm.OLS(y.to_numpy(), X.to_numpy())
    if cluster is not None:
        groups = pd.factorize(d[cluster])[0]
        n_clusters = int(groups.max()) + 1
        res = model.fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
        df = n_clusters - 1
        cov_type = "cluster"
    else:
        res = model.fit()
        n_clusters = len(d)
        df = int(res.df_resid)
        cov_type = "nonrobust"
    j = 1  # column of the treatment dummy
    ci = np.asarray(res.conf_int(alpha=alpha))[j]
    yt, yc = y[t == 1], y[t == 0]
    sd_c = float(yc.std(ddof=1))
    est = float(res.params[j])
    return EffectEstimate(
        outcome=outcome, estimate=est, se=float(res.bse[j]), ci_low=float(ci[0]), ci_high=float(ci[1]),
        p_value=float(res.pvalues[j]), df=int(df), n_treated=int(len(yt)), n_control=int(len(yc)),
        n_clusters=n_clusters, mean_treated=float(yt.mean()), sd_treated=float(yt.std(ddof=1)),
        mean_control=float(yc.mean()), sd_control=sd_c,
        std_effect=est / sd_c if sd_c > 0 else float("nan"),
        n_obs=int(len(y)), n_params=int(X.shape[1]), cov_type=cov_type, alpha=float(alpha),
        dropped_columns=tuple(dropped),
    )


def winsorise(values, quantile: float = 0.95) -> tuple[np.ndarray, float]:
    """``values`` capped above at their ``quantile`` (numpy's default linear interpolation; missing
    values stay missing and are ignored). Returns (capped values, cap)."""
    if not 0 < quantile < 1:
        raise ValueError("quantile must lie strictly between 0 and 1")
    x = np.asarray(values, dtype=float)
    if np.isnan(x).all():
        raise ValueError("no observed values to winsorise")
    cap = float(np.nanquantile(x, quantile))
    return np.where(np.isnan(x), np.nan, np.minimum(x, cap)), cap


@dataclass(frozen=True)
class WinsorisedEffect:
    """ITT on the outcome capped at its pooled ``quantile`` (module docstring). ``effect`` is the
    regression on the capped outcome (its means and SDs are of the capped values); ``cap`` in the
    outcome's units; ``n_capped`` units had a value above the cap."""

    effect: EffectEstimate
    quantile: float
    cap: float
    n_capped: int


def winsorised_itt_effect(data: pd.DataFrame, outcome: str, *, quantile: float = 0.95,
                          **kwargs) -> WinsorisedEffect:
    """:func:`itt_effect` of ``outcome`` capped at its ``quantile`` over the rows where it is observed
    (both arms pooled, so the cap does not depend on the treatment). Other arguments as for
    :func:`itt_effect` (covariates are not capped)."""
    if outcome not in data.columns:
        raise ValueError(f"data has no column(s): {outcome}")
    y = pd.to_numeric(data[outcome]).astype(float)
    capped, cap = winsorise(y.to_numpy(), quantile)
    n_capped = int(np.sum(y.to_numpy() > cap))
    effect = itt_effect(data.assign(**{outcome: capped}), outcome, **kwargs)
    return WinsorisedEffect(effect=effect, quantile=float(quantile), cap=cap, n_capped=n_capped)


def take_up_share(families: pd.DataFrame, offer: str = "offer", accept: str = "accept") -> float:
    """Share of offered families that accepted (OtO: 62/132). One row per family."""
    if "family_id" in families.columns and families["family_id"].duplicated().any():
        raise ValueError("families must have one row per family_id")
    offered = families[families[offer] == 1]
    if len(offered) == 0:
        raise ValueError("no offered families")
    acc = offered[accept]
    if acc.isna().any():
        raise ValueError(f"'{accept}' is missing for offered families")
    return float((acc == 1).sum()) / float(len(offered))


def bloom_participation(itt: EffectEstimate, take_up: float) -> ParticipationEffect:
    """Bloom (1984): unrounded ITT estimate and CI limits divided by the take-up share."""
    if not 0 < take_up <= 1:
        raise ValueError("take_up must be in (0, 1]")
    return ParticipationEffect(outcome=itt.outcome, estimate=itt.estimate / take_up,
                               ci_low=itt.ci_low / take_up, ci_high=itt.ci_high / take_up,
                               take_up=float(take_up))


def effects_frame(results: Sequence[EffectEstimate], take_up: float | None = None) -> pd.DataFrame:
    """One tidy row per outcome: all EffectEstimate fields plus take_up,
    part_estimate, part_ci_low, part_ci_high (NaN without ``take_up``)."""
    rows = []
    for r in results:
        row = r.to_dict()
        if take_up is not None:
            p = bloom_participation(r, take_up)
            row.update(take_up=p.take_up, part_estimate=p.estimate, part_ci_low=p.ci_low, part_ci_high=p.ci_high)
        else:
            row.update(take_up=np.nan, part_estimate=np.nan, part_ci_low=np.nan, part_ci_high=np.nan)
        rows.append(row)
    cols = list(EffectEstimate.__dataclass_fields__) + ["take_up", "part_estimate", "part_ci_low", "part_ci_high"]
    return pd.DataFrame(rows, columns=cols)
