"""ATT profiles over periods (weeks, cumulative months): :func:`effects_over_time`, :func:`cumulative_means`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from .common import _as_treatment, _child_seeds, _outcome_matrix, _subset
from .bootstrap import bootstrap_replicates
from .estimate import _finish_att, _normalise_specs, _prepare_att


def effects_over_time(treated, covariates: pd.DataFrame, outcomes, specs, *, periods: Sequence | None = None,
                      period_name: str = "week", cells=None, cv_outcome=None, n_boot: int = 200,
                      seed: int | None = 20200101, stratify: bool = True, alpha: float = 0.05) -> pd.DataFrame:
    """ATT profile over periods (weeks 0-52, or cumulative months 0-12 from :func:`cumulative_means`).

    Column j of ``outcomes`` is period ``periods[j]`` (default: the column
    labels, or 0..k-1). Columns with missing values (follow-up censored) are
    grouped by their missingness pattern and each group is estimated on its own
    sample – score, bandwidth, matching and bootstrap re-done – as the falling N
    of Tabel 4.2. Each sample gets its own child seed of ``seed``.

    Tidy: spec, <period_name>, att, se, ci_low, ci_high, p_value, control_level,
    treated_level, n_obs, n_treated_on_support, bandwidth.
    """
    parts = _prepare_over_time(treated, covariates, outcomes, specs, periods=periods, cells=cells,
                               cv_outcome=cv_outcome, n_boot=n_boot, seed=seed, stratify=stratify, alpha=alpha)
    results = [_finish_att(prep, bootstrap_replicates(prep.boot, prep.draws())) for prep, _ in parts.samples]
    return _finish_over_time(parts, results, period_name)


@dataclass(eq=False)
class _PreparedOverTime:
    """:func:`effects_over_time` before its bootstraps: one prepared estimation per missingness
    pattern (``samples``: (prepared estimation, its outcome columns)), the periods and the spec order."""

    samples: list
    periods: list
    spec_order: dict


def _prepare_over_time(treated, covariates, outcomes, specs, *, periods, cells, cv_outcome, n_boot, seed,
                       stratify, alpha) -> _PreparedOverTime:
    t = _as_treatment(treated)
    Y, cols = _outcome_matrix(outcomes, len(t))
    per = list(cols) if periods is None else list(periods)
    if len(per) != Y.shape[1]:
        raise ValueError("periods must have one value per outcome column")
    obs = ~np.isnan(Y)
    patterns: dict[bytes, list[int]] = {}
    for j in range(Y.shape[1]):
        patterns.setdefault(obs[:, j].tobytes(), []).append(j)
    samples = []
    for (key, js), child in zip(patterns.items(), _child_seeds(seed, len(patterns))):
        rows = np.flatnonzero(obs[:, js[0]])
        cvo = None if cv_outcome is None else np.asarray(cv_outcome, dtype=float)[rows]
        prep = _prepare_att(t[rows], _subset(covariates, rows), Y[np.ix_(rows, js)], specs,
                            cells=_subset(cells, rows), cv_outcome=cvo, n_boot=n_boot, seed=child,
                            stratify=stratify, keep_replicates=False, alpha=alpha)
        samples.append((prep, js))
    return _PreparedOverTime(samples=samples, periods=per,
                             spec_order={name: i for i, name in enumerate(_normalise_specs(specs))})


def _finish_over_time(parts: _PreparedOverTime, results: list, period_name: str) -> pd.DataFrame:
    """The tidy frame of :func:`effects_over_time` from the results of its samples (in order)."""
    frames = []
    for (_, js), res in zip(parts.samples, results):
        f = res.frame
        pos = np.array([js[int(c)] for c in f["column"]])
        f = f.assign(**{period_name: [parts.periods[j] for j in pos]}, _pos=pos)
        frames.append(f)
    out = pd.concat(frames, ignore_index=True)
    out = out.assign(_spec=out["spec"].map(parts.spec_order)).sort_values(["_spec", "_pos"], kind="stable")
    out = out.reset_index(drop=True).rename(columns={"control_mean": "control_level",
                                                     "treated_mean": "treated_level"})
    return out[["spec", period_name, "att", "se", "ci_low", "ci_high", "p_value", "control_level",
                "treated_level", "n_obs", "n_treated_on_support", "bandwidth"]]


def cumulative_means(monthly) -> np.ndarray | pd.DataFrame:
    """Running mean over columns: column k = mean of columns 0..k (months 0-k after start).

    Missing values propagate (a person not followed to month k has no 0-k
    mean), so :func:`effects_over_time` estimates the later windows on the
    persons observed throughout. A DataFrame keeps index and column labels.
    """
    if isinstance(monthly, pd.DataFrame):
        return pd.DataFrame(cumulative_means(monthly.to_numpy(dtype=float)), index=monthly.index,
                            columns=monthly.columns)
    M = np.asarray(monthly, dtype=float)
    if M.ndim != 2:
        raise ValueError("monthly must be a 2-D matrix (persons x months)")
    return np.cumsum(M, axis=1) / np.arange(1, M.shape[1] + 1)
