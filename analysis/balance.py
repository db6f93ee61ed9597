"""Baseline balance by arm and by take-up (the data of Tabel A2).

Groups (:data:`GROUPS`, label-free keys; the report maps them to Tilbud,
Kontrol, Accept, Nej-tak):

* ``offer``   – offered units (offer == 1)
* ``control`` – control units (offer == 0)
* ``accept``  – offered units whose family accepted (offer == 1, accept == 1)
* ``decline`` – offered units whose family declined (offer == 1, accept == 0)

Tidy shape: one row per (variable, group), in variable order then group order,
with columns

    variable  key of the row (BalanceVariable.key)
    unit      "person" or "family": the frame the statistic is computed on
    kind      "count" (n only), "mean" (mean and sd) or "share" (proportion 0-1 in
              ``mean``; ``sd`` is its Bernoulli sd with ddof=1)
    group     one of GROUPS
    n         number of non-missing units used
    mean, sd  float (NaN for kind "count"); sd has ddof=1

Person-level rows (age, gender, origin, the child, youth and adult rows) are
computed on the person frame; family-level rows (family size, number of
children, baseline notifications, 2018 expenditures) are *unweighted* means
over families, one row per family, as in the published table (617/132 = 4.7 is
the family-level mean family size; a person-weighted mean would be about 5.2).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

GROUPS: tuple[str, ...] = ("offer", "control", "accept", "decline")
COLUMNS: tuple[str, ...] = ("variable", "unit", "kind", "group", "n", "mean", "sd")


@dataclass(frozen=True)
class BalanceVariable:
    """One row of the balance table.

    ``column``: the column summarised (ignored for ``kind="count"`` without a
    column: then units are counted). ``level``: for a categorical column, the
    share equal to this level. ``subset``: name of a 0/1 column restricting the
    population (e.g. ``is_adult``)."""

    key: str
    unit: str
    kind: str
    column: str | None = None
    level: object = None
    subset: str | None = None


#: The rows of Tabel A2 in printed order, keyed to the OtO synthetic data columns.
OTO_A2_VARIABLES: tuple[BalanceVariable, ...] = (
    BalanceVariable("n_persons", "person", "count"),
    BalanceVariable("age_2019", "person", "mean", "age_2019"),
    BalanceVariable("female", "person", "share", "female"),
    BalanceVariable("origin_dansk", "person", "share", "origin", "dansk"),
    BalanceVariable("origin_efterkommer", "person", "share", "origin", "efterkommer"),
    BalanceVariable("origin_indvandrer", "person", "share", "origin", "indvandrer"),
    BalanceVariable("family_size", "family", "mean", "family_size"),
    BalanceVariable("n_children_le18", "family", "mean", "n_children_le18"),
    BalanceVariable("notif_base", "family", "mean", "notif_base"),
    BalanceVariable("exp_social_2018", "family", "mean", "exp_social_2018"),
    BalanceVariable("exp_employ_2018", "family", "mean", "exp_employ_2018"),
    BalanceVariable("exp_total_2018", "family", "mean", "exp_total_2018"),
    BalanceVariable("school_absence_base", "person", "mean", "school_absence_base", subset="in_school_window"),
    BalanceVariable("exam_grade_base", "person", "mean", "exam_grade_base"),
    BalanceVariable("trivsel_base", "person", "mean", "trivsel_base", subset="in_school_window"),
    BalanceVariable("youth_hours_base", "person", "mean", "youth_hours_base", subset="is_youth"),
    BalanceVariable("youth_edu_base", "person", "share", "youth_edu_base", subset="youth_su_eligible"),
    BalanceVariable("n_adults", "person", "count", subset="is_adult"),
    BalanceVariable("adult_hours_base", "person", "mean", "adult_hours_base", subset="is_adult"),
    BalanceVariable("activation_base", "person", "mean", "activation_base", subset="is_adult"),
    BalanceVariable("fp_base", "person", "share", "fp_base", subset="is_adult"),
    BalanceVariable("fleks_base", "person", "share", "fleks_base", subset="is_adult"),
)


def group_masks(frame: pd.DataFrame, offer: str = "offer", accept: str = "accept") -> dict[str, pd.Series]:
    """Boolean masks of :data:`GROUPS` on a frame with offer/accept columns."""
    o = frame[offer] == 1
    a = frame[accept].fillna(0) == 1
    return {"offer": o, "control": frame[offer] == 0, "accept": o & a, "decline": o & ~a}


def balance_table(persons: pd.DataFrame, families: pd.DataFrame,
                  variables: Sequence[BalanceVariable] = OTO_A2_VARIABLES, *,
                  offer: str = "offer", accept: str = "accept") -> pd.DataFrame:
    """Tidy balance statistics (module docstring for the shape)."""
    frames = {"person": persons, "family": families}
    masks = {unit: group_masks(f, offer, accept) for unit, f in frames.items()}
    rows = []
    for v in variables:
        if v.unit not in frames:
            raise ValueError(f"{v.key}: unit must be 'person' or 'family'")
        if v.kind not in ("count", "mean", "share"):
            raise ValueError(f"{v.key}: kind must be 'count', 'mean' or 'share'")
        f = frames[v.unit]
        for col in (v.column, v.subset):
            if col is not None and col not in f.columns:
                raise ValueError(f"{v.key}: the {v.unit} frame has no column '{col}'")
        base = pd.Series(True, index=f.index) if v.subset is None else (f[v.subset] == 1)
        for g in GROUPS:
            m = masks[v.unit][g] & base
            if v.kind == "count" and v.column is None:
                rows.append((v.key, v.unit, v.kind, g, int(m.sum()), np.nan, np.nan))
                continue
            x = f.loc[m, v.column]
            if v.level is not None:
                x = x.dropna().eq(v.level).astype(float)
            else:
                x = pd.to_numeric(x.dropna()).astype(float)
            if v.kind == "count":
                rows.append((v.key, v.unit, v.kind, g, int(len(x)), np.nan, np.nan))
            else:
                rows.append((v.key, v.unit, v.kind, g, int(len(x)),
                             float(x.mean()) if len(x) else np.nan,
                             float(x.std(ddof=1)) if len(x) > 1 else np.nan))
    out = pd.DataFrame(rows, columns=list(COLUMNS))
    out["n"] = out["n"].astype(int)
    return out


# ----------------------------------------------------------------------------------------------
# Balance before and after matching (BOT Bilagstabel 2.2-2.3, Bilagsfigur 2.2)
# ----------------------------------------------------------------------------------------------

#: Columns of :func:`standardised_differences`.
SDIF_COLUMNS: tuple[str, ...] = ("group", "variable", "stage", "mean_treated", "mean_control", "var_treated",
                                 "var_control", "std_diff", "var_ratio")


def _weighted_mean_var(x: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """Mean and variance with weights normalised to sum to one.

    Variance sum w (x - m)^2 / (1 - sum w^2) (reliability weights): equals the
    ddof=1 sample variance when all weights are equal. Negative weights (ridge
    matching) are allowed."""
    tot = w.sum()
    if len(x) == 0 or tot == 0:
        return float("nan"), float("nan")
    w = w / tot
    if np.ptp(x) == 0:  # constant: exact mean and zero variance (no rounding noise)
        return float(x[0]), 0.0
    m = float(w @ x)
    denom = 1.0 - float(w @ w)
    v = float(w @ (x - m) ** 2) / denom if denom > 0 else float("nan")
    return m, v


def standardised_differences(covariates: pd.DataFrame, treated, weights: dict | None = None, *,
                             groups=None, before: str = "before") -> pd.DataFrame:
    """Standardised differences (in %) and variance ratios, before and after matching.

    ``covariates``: numeric columns (dummies as 0/1). ``treated``: 0/1 per row.
    ``weights``: stage name -> length-n weights on all rows (e.g.
    ``MatchingWeights.unit_weights()`` or ``PSMResult.unit_weights(spec)``;
    off-support treated have weight 0, control weights may be negative). The
    ``before`` stage (unweighted means) is always computed first.

    std_diff = 100 (mean_t - mean_c) / sqrt((var_t + var_c) / 2), where the
    variances in the denominator are the UNMATCHED variances of the treated and
    the controls (Rosenbaum & Rubin 1985; Stata pstest), so that before and
    after differ only through the means. var_ratio = var_t / var_c with the
    stage's weighted variances. NaN where the denominator is 0 (a covariate
    constant in the group).

    ``groups``: optional labels per row (gender); statistics are computed
    within each level, with each arm's weights renormalised to sum to one
    within the level (so a vector combining separate per-gender matchings
    works). Without groups the ``group`` column is ``"all"``.

    Tidy: one row per (group, variable, stage); columns :data:`SDIF_COLUMNS`.
    Note: the BOT report prints SDIF as a fraction (x/100); its formula in the
    text omits the /2 (spec §5) – the convention here is the standard one.
    """
    if not isinstance(covariates, pd.DataFrame):
        raise TypeError("covariates must be a DataFrame")
    t = np.asarray(treated, dtype=float).ravel()
    n = len(t)
    if len(covariates) != n:
        raise ValueError("covariates and treated have different lengths")
    if np.isnan(t).any() or not np.isin(t, (0.0, 1.0)).all():
        raise ValueError("treated must be 0/1 without missing values")
    X = covariates.apply(pd.to_numeric, errors="raise").to_numpy(dtype=float)
    if np.isnan(X).any():
        raise ValueError("covariates have missing values")
    stages = {before: np.ones(n)}
    for name, w in (weights or {}).items():
        if name == before:
            raise ValueError(f"stage name {before!r} is reserved for the unweighted comparison")
        w = np.asarray(w, dtype=float).ravel()
        if len(w) != n or not np.all(np.isfinite(w)):
            raise ValueError(f"weights {name!r} must be finite with one value per row")
        stages[name] = w
    if groups is None:
        levels, gl = ["all"], np.zeros(n, int)
    else:
        g = pd.Series(np.asarray(groups).ravel())
        if len(g) != n or g.isna().any():
            raise ValueError("groups must have one non-missing value per row")
        levels = sorted(g.unique().tolist(), key=lambda v: (str(type(v)), v))
        gl = g.map({lv: i for i, lv in enumerate(levels)}).to_numpy()
    rows = []
    for gi, level in enumerate(levels):
        in_g = gl == gi
        m1, m0 = in_g & (t == 1), in_g & (t == 0)
        for j, var in enumerate(covariates.columns):
            x = X[:, j]
            _, v1u = _weighted_mean_var(x[m1], np.ones(m1.sum()))
            _, v0u = _weighted_mean_var(x[m0], np.ones(m0.sum()))
            scale = np.sqrt((v1u + v0u) / 2)
            for stage, w in stages.items():
                mt, vt = _weighted_mean_var(x[m1], w[m1])
                mc, vc = _weighted_mean_var(x[m0], w[m0])
                sd = 100 * (mt - mc) / scale if scale > 0 else float("nan")  # scale 0: constant in group
                vr = vt / vc if vc > 0 else float("nan")
                rows.append((level, var, stage, mt, mc, vt, vc, sd, vr))
    return pd.DataFrame(rows, columns=list(SDIF_COLUMNS))


def balance_summary(frame: pd.DataFrame, variables=None) -> pd.DataFrame:
    """Mean and max |std_diff| per (group, stage) of a :func:`standardised_differences`
    frame, optionally over a subset of variables (e.g. the municipality dummies).

    Tidy: group, stage, n_variables, mean_abs_std_diff, max_abs_std_diff (NaN rows skipped)."""
    f = frame if variables is None else frame[frame["variable"].isin(list(variables))]
    f = f.assign(abs_sd=f["std_diff"].abs())
    out = f.groupby(["group", "stage"], sort=False)["abs_sd"].agg(
        n_variables="count", mean_abs_std_diff="mean", max_abs_std_diff="max").reset_index()
    return out


def compare_groups(frame: pd.DataFrame, group: str, variables: Sequence[str]) -> pd.DataFrame:
    """Mean (share for 0/1 variables) in group 1 and group 0 with a test of equality.

    Tidy: variable, kind ('share' for 0/1 variables, else 'mean'), n1, mean1, n0, mean0, p_value.
    Shares: Pearson's chi-square test of the 2×2 table (scipy, no continuity correction);
    means: Welch's t-test. Missing values are dropped per variable."""
    from scipy import stats

    g = frame[group].astype(int).to_numpy()
    rows = []
    for v in variables:
        x = pd.to_numeric(frame[v]).to_numpy(dtype=float)
        ok = ~np.isnan(x)
        a, b = x[ok & (g == 1)], x[ok & (g == 0)]
        binary = set(np.unique(x[ok])) <= {0.0, 1.0}
        if binary:
            tab = np.array([[a.sum(), len(a) - a.sum()], [b.sum(), len(b) - b.sum()]])
            p = float(stats.chi2_contingency(tab, correction=False)[1]) if (tab.sum(axis=0) > 0).all() else float("nan")
        else:
            p = float(stats.ttest_ind(a, b, equal_var=False).pvalue)
        rows.append((v, "share" if binary else "mean", len(a), float(a.mean()), len(b), float(b.mean()), p))
    return pd.DataFrame(rows, columns=["variable", "kind", "n1", "mean1", "n0", "mean0", "p_value"])
