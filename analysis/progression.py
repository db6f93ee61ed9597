"""Progression on repeated 1–5 indicator answers and its association with active programmes.

Built for the BIP indicators (Beskæftigelses Indikator Projektet): a citizen
answers B1–B11 and the caseworker S1–S12 at irregular intervals; S1 is a
tick-box list of 23 activities in the last three months, grouped into four
programme types J, O, S, H (:data:`TYPE_ITEMS`, Tabel 2 of the report) and so
into 2⁴ = 16 combinations (:data:`COMBINATIONS`, digit order J O S H).

Definitions (the methods text of the report states them)
    *Progression* on an item is an answer minus the same person's previous
    answer of the same respondent (citizen for B, caseworker for S) when the
    item is answered both times (:func:`item_changes`); *weeks since the
    previous answer* is the time between the two. The *index* progression
    (B1–B9, S2–S12) is the mean of the item changes over answers where every
    item of the index is answered both times, i.e. the change of the mean score
    (:func:`index_change`).
    *Standardised progression* is ``(d - mean) / sd`` with the sample SD
    (ddof = 1) over the estimation sample of the item (:func:`standardise`), so
    a coefficient reads as Cohen's d.
    *Cell means* (:func:`cell_means`): OLS of the standardised progression on
    the 16 combination indicators without intercept. Each coefficient is the
    mean of its cell; classical standard errors are ``s / sqrt(n_c)`` with the
    pooled residual variance and t(N − K) intervals, as in the original report.
    Person-clustered standard errors (statsmodels ``cov_type="cluster"``,
    Stata's small-sample factor G/(G−1)·(N−1)/(N−K), t(G−1)) are the robustness
    check: a person contributes several answers.
    *Percentile translation* (:func:`percentile_shift`): a person at the median
    who moves d standard deviations lands at percentile 100·Φ(d), i.e.
    ``100·(Φ(d) − ½)`` places forward in a group of 100.

Everything here is pure: frames in, tidy frames or dataclasses out, no
formatting. statsmodels does the regressions.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

#: The programme types in digit order.
TYPES: tuple[str, ...] = ("J", "O", "S", "H")

#: S1 items (1–23) by programme type (the report's Tabel 2). Items 22 ("Ingen
#: aktiviteter") and 23 ("Ved ikke") belong to no type.
TYPE_ITEMS: dict[str, tuple[int, ...]] = {
    "J": (3, 5, 7, 12, 13, 14, 17, 19, 20),
    "O": (1, 2, 18, 21),
    "S": (4, 6, 8, 15),
    "H": (9, 10, 11, 16),
}
S1_NONE_ITEM = 22
S1_DONT_KNOW_ITEM = 23
S1_ITEMS: tuple[int, ...] = tuple(range(1, 24))

#: The 16 combinations "J O S H" as four-digit strings, in the order of the
#: report's Tabel 3 (binary counting with H as the last digit).
COMBINATIONS: tuple[str, ...] = tuple(f"{k:04b}" for k in range(16))
NO_PROGRAMME = "0000"

CITIZEN_ITEMS: tuple[str, ...] = tuple(f"B{k}" for k in range(1, 10))       # B10, B11 are not analysed
CASEWORKER_ITEMS: tuple[str, ...] = tuple(f"S{k}" for k in range(2, 13))


def s1_column(item: int) -> str:
    return f"S1_{item}"


def combination_from_ticks(ticks: pd.DataFrame) -> pd.Series:
    """The J O S H combination (``"1010"``) of each row of S1 tick columns ``S1_1``…``S1_23``.

    A type is 1 when any of its items is ticked. The combination is missing
    (``None``) when S1 is not answered (all ticks missing) or when nothing but
    "Ved ikke" is ticked; "Ingen aktiviteter" alone gives ``"0000"``.
    """
    cols = [s1_column(i) for i in S1_ITEMS]
    missing = [c for c in cols if c not in ticks.columns]
    if missing:
        raise ValueError(f"S1 tick columns missing: {', '.join(missing[:5])}")
    t = ticks[cols].apply(pd.to_numeric)
    answered = t.notna().any(axis=1)
    t = t.fillna(0).astype(int)
    digits = {T: t[[s1_column(i) for i in items]].max(axis=1) for T, items in TYPE_ITEMS.items()}
    any_type = pd.concat(digits.values(), axis=1).max(axis=1)
    only_dont_know = (any_type == 0) & (t[s1_column(S1_NONE_ITEM)] == 0) & (t[s1_column(S1_DONT_KNOW_ITEM)] == 1)
    code = digits["J"].astype(str) + digits["O"].astype(str) + digits["S"].astype(str) + digits["H"].astype(str)
    nothing = (any_type == 0) & (t[s1_column(S1_NONE_ITEM)] == 0) & (t[s1_column(S1_DONT_KNOW_ITEM)] == 0)
    return code.where(answered & ~only_dont_know & ~nothing, None)


def type_indicators(combination: pd.Series) -> pd.DataFrame:
    """Columns J, O, S, H (0/1) and ``Ingen`` (1 for "0000") from combination codes; NaN where unknown."""
    out = {}
    known = combination.notna()
    for pos, T in enumerate(TYPES):
        out[T] = combination.str[pos].astype(float).where(known)
    out["Ingen"] = (combination == NO_PROGRAMME).astype(float).where(known)
    return pd.DataFrame(out, index=combination.index)


# ---------------------------------------------------------------------------
# progression
# ---------------------------------------------------------------------------
def item_changes(answers: pd.DataFrame, items: Sequence[str], answered: str, *, person: str = "person_id",
                 date: str = "date") -> pd.DataFrame:
    """Change of every item between consecutive answers of one respondent.

    ``answers``: one row per measurement; ``answered`` is the 0/1 column saying
    this respondent answered at that measurement. Rows where the respondent did
    not answer are skipped, so the previous answer is the latest one the
    respondent actually gave. Returns, for every answered row that has an
    earlier answer (same index as ``answers``): ``prev_index`` (index label of
    the previous answer), ``weeks_since_prev`` (days / 7) and one column per
    item with the change (NaN when the item is missing in either answer).
    """
    need = [person, date, answered, *items]
    absent = [c for c in need if c not in answers.columns]
    if absent:
        raise ValueError(f"answers has no column(s): {', '.join(absent)}")
    a = answers.loc[answers[answered] == 1, need]
    when = pd.to_datetime(a[date])
    a = a.assign(_when=when).sort_values([person, "_when"], kind="mergesort")
    same = a[person].eq(a[person].shift())
    if (same & a["_when"].eq(a["_when"].shift())).any():
        raise ValueError(f"two answers of the same person on the same {date}")
    out = pd.DataFrame(index=a.index)
    out["prev_index"] = pd.Series(a.index, index=a.index).shift()
    out["weeks_since_prev"] = (a["_when"] - a["_when"].shift()).dt.days / 7.0
    for it in items:
        x = pd.to_numeric(a[it]).astype(float)
        out[it] = x - x.shift()
    out = out[same.to_numpy()]
    return out


def index_change(changes: pd.DataFrame, items: Sequence[str]) -> pd.Series:
    """Mean item change over rows where every item changed is observed (complete cases), else NaN."""
    d = changes[list(items)]
    return d.mean(axis=1).where(d.notna().all(axis=1))


def standardise(x: pd.Series) -> pd.Series:
    """(x − mean) / SD with ddof = 1 over the non-missing values."""
    v = x.dropna()
    if len(v) < 2:
        raise ValueError("need at least two values to standardise")
    sd = float(v.std(ddof=1))
    if sd == 0:
        raise ValueError("cannot standardise a constant")
    return (x - float(v.mean())) / sd


@dataclass(frozen=True)
class CellMeans:
    """No-intercept OLS of an outcome on cell indicators.

    ``table``: one row per cell present in the data (in the order asked for):
    ``cell, n, estimate, se, ci_low, ci_high, p_value`` (classical) and
    ``se_cluster, ci_low_cluster, ci_high_cluster, p_value_cluster`` (person-
    clustered; NaN without ``cluster``). ``cov``/``cov_cluster``: the
    coefficient covariance matrices (cells × cells) for contrasts.
    """

    table: pd.DataFrame
    cov: pd.DataFrame
    cov_cluster: pd.DataFrame | None
    n_obs: int
    n_clusters: int
    df: int
    df_cluster: int
    alpha: float
    absent: tuple[str, ...] = ()

    def row(self, cell: str) -> pd.Series:
        return self.table.set_index("cell").loc[cell]


def cell_means(y: pd.Series, cell: pd.Series, *, cells: Sequence[str] = COMBINATIONS,
               cluster: pd.Series | None = None, alpha: float = 0.05) -> CellMeans:
    """OLS of ``y`` on one indicator per cell, without intercept (module docstring).

    Rows with ``y`` or ``cell`` missing are dropped. Cells in ``cells`` that do
    not occur are left out of the regression and listed in ``absent``; a cell
    value not in ``cells`` raises ``ValueError``.
    """
    d = pd.DataFrame({"y": pd.to_numeric(y), "cell": cell})
    if cluster is not None:
        d["g"] = cluster
    d = d.dropna(subset=["y", "cell"])
    codes = pd.Categorical(d["cell"], categories=list(cells)).codes      # -1: not among the cells
    if (codes < 0).any():
        unknown = sorted(set(d["cell"][codes < 0].astype(str)))
        raise ValueError(f"cell value(s) not among the cells: {', '.join(unknown[:5])}")
    present = [c for i, c in enumerate(cells) if (codes == i).any()]
    absent = tuple(c for c in cells if c not in present)
    X = np.column_stack([(codes == list(cells).index(c)).astype(float) for c in present])
    yv = d["y"].to_numpy(dtype=float)
    n, k = X.shape
    if n <= k:
        raise ValueError("fewer observations than cells")
    # Every row is in exactly one cell, so the indicators sum to a constant: said, not
    # detected (statsmodels' detection is four SVDs of X per fit, most of a BIP build's fits).
    model = sm.OLS(yv, X, hasconst=True)
    res = model.fit()
    ci = np.asarray(res.conf_int(alpha=alpha))
    table = pd.DataFrame({
        "cell": present, "n": X.sum(axis=0).astype(int), "estimate": res.params, "se": res.bse,
        "ci_low": ci[:, 0], "ci_high": ci[:, 1], "p_value": res.pvalues,
    })
    cov = pd.DataFrame(np.asarray(res.cov_params()), index=present, columns=present)
    cov_c, n_g, df_c = None, 0, 0
    if cluster is not None:
        if d["g"].isna().any():
            raise ValueError("cluster has missing values")
        groups = pd.factorize(d["g"])[0]
        n_g = int(groups.max()) + 1
        rc = res.get_robustcov_results(cov_type="cluster", groups=groups, use_t=True)   # no second fit
        cic = np.asarray(rc.conf_int(alpha=alpha))
        table["se_cluster"] = rc.bse
        table["ci_low_cluster"] = cic[:, 0]
        table["ci_high_cluster"] = cic[:, 1]
        table["p_value_cluster"] = rc.pvalues
        cov_c = pd.DataFrame(np.asarray(rc.cov_params()), index=present, columns=present)
        df_c = n_g - 1
    else:
        for c in ("se_cluster", "ci_low_cluster", "ci_high_cluster", "p_value_cluster"):
            table[c] = np.nan
    return CellMeans(table=table.reset_index(drop=True), cov=cov, cov_cluster=cov_c, n_obs=int(n),
                     n_clusters=n_g, df=int(res.df_resid), df_cluster=df_c, alpha=float(alpha), absent=absent)


def significant_cells(res: CellMeans, sign: int, *, exclude: Sequence[str] = (), clustered: bool = False,
                      alpha: float | None = None) -> list[str]:
    """The cells (in table order) whose mean differs from zero at ``alpha`` (default: the fit's) with
    the sign of ``sign`` (+1 or -1), classical or clustered p-values, leaving out ``exclude``."""
    level = res.alpha if alpha is None else alpha
    p = res.table["p_value_cluster" if clustered else "p_value"]
    return [c for c, e, pv in zip(res.table["cell"], res.table["estimate"], p)
            if c not in exclude and pv < level and np.sign(e) == np.sign(sign)]


@dataclass(frozen=True)
class Contrast:
    """The difference ``estimate = mean[b] − mean[a]`` of two cells with its t interval."""

    a: str
    b: str
    level_a: float
    level_b: float
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    df: int
    clustered: bool


def contrast(res: CellMeans, a: str, b: str, *, clustered: bool = True) -> Contrast:
    """Cell ``b`` minus cell ``a`` from a :class:`CellMeans` fit (clustered covariance when available)."""
    use_c = clustered and res.cov_cluster is not None
    cov = res.cov_cluster if use_c else res.cov
    df = res.df_cluster if use_c else res.df
    t = res.table.set_index("cell")
    est = float(t.at[b, "estimate"] - t.at[a, "estimate"])
    var = float(cov.at[a, a] + cov.at[b, b] - 2 * cov.at[a, b])
    se = float(np.sqrt(var))
    q = float(stats.t.ppf(1 - res.alpha / 2, df))
    p = float(2 * stats.t.sf(abs(est / se), df))
    return Contrast(a=a, b=b, level_a=float(t.at[a, "estimate"]), level_b=float(t.at[b, "estimate"]),
                    estimate=est, se=se, ci_low=est - q * se, ci_high=est + q * se, p_value=p, df=int(df),
                    clustered=use_c)


@dataclass(frozen=True)
class Slope:
    """OLS slope of an outcome on one regressor (with intercept)."""

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    intercept: float
    n_obs: int
    df: int
    clustered: bool


def slope(y: pd.Series, x: pd.Series, *, cluster: pd.Series | None = None, alpha: float = 0.05) -> Slope:
    """OLS of ``y`` on a constant and ``x``; person-clustered (t(G−1)) when ``cluster`` is given."""
    d = pd.DataFrame({"y": pd.to_numeric(y), "x": pd.to_numeric(x)})
    if cluster is not None:
        d["g"] = cluster
    d = d.dropna()
    X = sm.add_constant(d["x"].to_numpy(dtype=float))
    model = sm.OLS(d["y"].to_numpy(dtype=float), X)
    if cluster is not None:
        groups = pd.factorize(d["g"])[0]
        res = model.fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
        df = int(groups.max())
    else:
        res = model.fit()
        df = int(res.df_resid)
    ci = np.asarray(res.conf_int(alpha=alpha))[1]
    return Slope(estimate=float(res.params[1]), se=float(res.bse[1]), ci_low=float(ci[0]), ci_high=float(ci[1]),
                 p_value=float(res.pvalues[1]), intercept=float(res.params[0]), n_obs=int(len(d)), df=df,
                 clustered=cluster is not None)


# ---------------------------------------------------------------------------
# effect sizes in words of places
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class PercentileShift:
    """Where a person at the median lands after moving ``d`` standard deviations (normal outcome).

    ``percentile`` = 100·Φ(d) (share of the group below); ``places`` =
    100·(Φ(d) − ½), the places moved forward in a group of 100 (negative:
    backward); ``rank_from_top`` = 50 − places (the report's "46. percentil"
    for d = 0,1 counts from the top).
    """

    d: float
    percentile: float
    places: float
    rank_from_top: float


def percentile_shift(d: float) -> PercentileShift:
    p = float(stats.norm.cdf(d))
    places = 100.0 * (p - 0.5)
    return PercentileShift(d=float(d), percentile=100.0 * p, places=places, rank_from_top=50.0 - places)


# ---------------------------------------------------------------------------
# who gets which programme
# ---------------------------------------------------------------------------
GROUPS: tuple[str, ...] = ("J", "O", "S", "H", "Ingen")


def group_profile(frame: pd.DataFrame, variables: Iterable[str], *, groups: Sequence[str] = GROUPS,
                  person: str | None = None) -> pd.DataFrame:
    """Mean of each variable within each (overlapping) group column (0/1).

    ``frame`` has one 0/1 column per group (:func:`type_indicators`) and the
    variables (0/1 shares or numbers). Returns a frame indexed by variable with
    one column per group (the mean over rows where the group column is 1 and
    the variable is observed) plus ``n_<group>`` (rows used) and
    ``count_<group>`` (sum of the variable in the group: the number of 1s for
    0/1 variables). With ``person`` (an id column) also ``persons_<group>``
    (distinct persons with a non-zero value in the group) and ``npersons_<group>``
    (distinct persons in the group with the variable observed), which disclosure
    control needs when rows are repeated answers.
    """
    variables = list(variables)
    rows = {}
    for v in variables:
        x = pd.to_numeric(frame[v])
        r = {}
        for g in groups:
            m = (frame[g] == 1) & x.notna()
            r[g] = float(x[m].mean()) if m.any() else np.nan
            r[f"n_{g}"] = int(m.sum())
            r[f"count_{g}"] = float(x[m].sum())
            if person is not None:
                r[f"persons_{g}"] = int(frame.loc[m & (x != 0), person].nunique())
                r[f"npersons_{g}"] = int(frame.loc[m, person].nunique())
        rows[v] = r
    cols = list(groups) + [f"n_{g}" for g in groups] + [f"count_{g}" for g in groups]
    if person is not None:
        cols += [f"persons_{g}" for g in groups] + [f"npersons_{g}" for g in groups]
    return pd.DataFrame.from_dict(rows, orient="index")[cols]


# ---------------------------------------------------------------------------
# the BIP layout: one row per measurement, B/S items, borger_svar/sagsbeh_svar, S1 ticks
# ---------------------------------------------------------------------------
#: The two indices: the mean of their items (complete cases).
CITIZEN_INDEX, CASEWORKER_INDEX = "B1-B9", "S2-S12"
INDEX_ITEMS: dict[str, tuple[str, ...]] = {CITIZEN_INDEX: CITIZEN_ITEMS, CASEWORKER_INDEX: CASEWORKER_ITEMS}
#: Outcomes in the report's figure order: citizen index, B1–B9, caseworker index, S2–S12.
OUTCOMES: tuple[str, ...] = (CITIZEN_INDEX,) + CITIZEN_ITEMS + (CASEWORKER_INDEX,) + CASEWORKER_ITEMS


def changes_frame(answers: pd.DataFrame, *, citizen_answered: str = "borger_svar",
                  caseworker_answered: str = "sagsbeh_svar") -> pd.DataFrame:
    """Progression on every outcome at every measurement, with the combination of that measurement.

    One row per measurement (same index as ``answers``): ``person_id``,
    ``date``, ``combination`` (from S1 of this measurement; None if unknown),
    the type columns J O S H Ingen, ``weeks_B``/``weeks_S`` (weeks since the
    respondent's previous answer) and one column per outcome in
    :data:`OUTCOMES` with the change since the respondent's previous answer
    (NaN for a first answer or a missing item). ``in_sample`` marks the
    analysis sample of the report's Tabel 3: a repeat measurement with a known
    combination and a citizen change on at least one of B1–B9.
    """
    out = answers[["person_id", "date"]].copy()
    out["combination"] = combination_from_ticks(answers)
    out = out.join(type_indicators(out["combination"]))
    for side, index, flag in (("B", CITIZEN_INDEX, citizen_answered), ("S", CASEWORKER_INDEX, caseworker_answered)):
        items = INDEX_ITEMS[index]
        ch = item_changes(answers, items, flag)
        out[f"weeks_{side}"] = ch["weeks_since_prev"].reindex(out.index)
        out[index] = index_change(ch, items).reindex(out.index)
        for it in items:
            out[it] = ch[it].reindex(out.index)
    out["in_sample"] = out["combination"].notna() & out[list(CITIZEN_ITEMS)].notna().any(axis=1)
    return out[["person_id", "date", "combination", *GROUPS, "weeks_B", "weeks_S", "in_sample", *OUTCOMES]]


def _weeks_column(outcome: str) -> str:
    return "weeks_B" if outcome.startswith("B") else "weeks_S"


def progression_summary(frame: pd.DataFrame, outcomes: Sequence[str] = OUTCOMES) -> pd.DataFrame:
    """Tabel 1: per outcome the mean change, its SD, the number of changes and the share exactly zero."""
    rows = []
    for o in outcomes:
        d = frame[o].dropna()
        rows.append({"outcome": o, "mean": float(d.mean()), "sd": float(d.std(ddof=1)), "n": int(len(d)),
                     "zero_share": float((d.abs() < 1e-9).mean()), "positive_share": float((d > 1e-9).mean()),
                     "negative_share": float((d < -1e-9).mean())})
    return pd.DataFrame(rows)


def estimation_sample(frame: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """Rows with the outcome's change and a known combination, with ``z`` = standardised change."""
    d = frame.loc[frame[outcome].notna() & frame["combination"].notna(),
                  ["person_id", "combination", _weeks_column(outcome), outcome]]
    return d.assign(z=standardise(d[outcome])).rename(columns={_weeks_column(outcome): "weeks"})


def progression_cell_means(frame: pd.DataFrame, outcome: str, alpha: float = 0.05) -> CellMeans:
    """Standardised progression on ``outcome`` by combination: :func:`cell_means` with person clusters."""
    d = estimation_sample(frame, outcome)
    return cell_means(d["z"], d["combination"], cluster=d["person_id"], alpha=alpha)


def progression_gap_slope(frame: pd.DataFrame, outcome: str, *, clustered: bool = True,
                          alpha: float = 0.05) -> Slope:
    """Standardised progression on ``outcome`` regressed on weeks since the previous answer."""
    d = estimation_sample(frame, outcome)
    return slope(d["z"], d["weeks"], cluster=d["person_id"] if clustered else None, alpha=alpha)
