"""Constants and input checks shared by the PSM modules (:mod:`analysis.psm`)."""

from __future__ import annotations

import numpy as np
import pandas as pd


KERNELS: tuple[str, ...] = ("epanechnikov", "uniform")

METHODS: tuple[str, ...] = ("kernel", "ridge", "ipw")

LINKS: tuple[str, ...] = ("logit", "probit")

#: Common-support rules (:mod:`analysis.psm.weights`): psmatch2's ``common`` min/max rule, or only the kernel window.
SUPPORT_RULES: tuple[str, ...] = ("minmax", "window")

#: What to do with controls the propensity model predicts perfectly (score 0 by quasi-separation,
#: :func:`analysis.psm.fit_propensity`): leave them out of the matching, the cross-validation and the
#: bias adjustment ("exclude": no participant can have their covariates), or keep them at score 0
#: ("keep", the default of :class:`~analysis.psm.MatchingSpec`: inside the kernel window of every
#: participant with a score below the bandwidth).
SEPARATED_RULES: tuple[str, ...] = ("exclude", "keep")

#: Cross-validation grid: 0.005, 0.010, ..., 0.250 (50 values).
DEFAULT_BANDWIDTH_GRID: np.ndarray = np.round(np.arange(1, 51) * 0.005, 3)


def _as_treatment(treated) -> np.ndarray:
    t = np.asarray(treated, dtype=float).ravel()
    if t.size == 0 or np.isnan(t).any() or not np.isin(t, (0.0, 1.0)).all():
        raise ValueError("treated must be a non-empty 0/1 indicator without missing values")
    if t.min() == t.max():
        raise ValueError("treated does not vary (need both treated and control units)")
    return t


def _cell_codes(cells, n: int) -> np.ndarray:
    c = pd.Series(np.asarray(cells).ravel() if not isinstance(cells, pd.Series) else cells.to_numpy())
    if len(c) != n:
        raise ValueError(f"cells has {len(c)} values, expected {n}")
    if c.isna().any():
        raise ValueError("cells has missing values")
    return pd.factorize(c, sort=True)[0]


def _outcome_matrix(outcomes, n: int) -> tuple[np.ndarray, tuple]:
    if isinstance(outcomes, pd.DataFrame):
        cols = tuple(outcomes.columns)
        Y = outcomes.apply(pd.to_numeric, errors="raise").to_numpy(dtype=float)
    elif isinstance(outcomes, pd.Series):
        cols = (outcomes.name,)
        Y = pd.to_numeric(outcomes).to_numpy(dtype=float)[:, None]
    else:
        Y = np.asarray(outcomes, dtype=float)
        if Y.ndim == 1:
            Y = Y[:, None]
        cols = tuple(range(Y.shape[1]))
    if Y.ndim != 2 or Y.shape[0] != n:
        raise ValueError(f"outcomes must have {n} rows")
    return Y, cols


def _subset(x, rows: np.ndarray):
    if x is None:
        return None
    if isinstance(x, (pd.DataFrame, pd.Series)):
        return x.iloc[rows].reset_index(drop=True)
    return np.asarray(x)[rows]


def _child_seeds(seed, k: int) -> list:
    if seed is None:
        return [None] * k
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return ss.spawn(k)
