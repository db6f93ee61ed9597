"""Estimates within subgroups (:func:`estimate_by_group`) and their tidy frame and unit weights.

As in the report ("matching done separately for men and women"; the cohort samples of Tabel 4.3
change N for treated and controls alike) everything – score, bandwidth, matching, bootstrap – is
re-estimated within each subgroup; covariates constant within the subgroup (e.g. the gender dummy)
are dropped.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from .common import _as_treatment, _child_seeds, _subset
from .estimate import PSMResult, estimate_att


def estimate_by_group(treated, covariates: pd.DataFrame, outcomes, specs, groups, *, cells=None,
                      cv_outcome=None, n_boot: int = 200, seed: int | None = 20200101, stratify: bool = True,
                      keep_replicates: bool = False, alpha: float = 0.05) -> dict:
    """:func:`estimate_att` separately within each level of ``groups`` (gender, start cohort).

    Score, bandwidth, matching and bootstrap are all re-estimated within the
    subgroup (the report's choice); covariates constant in a subgroup are
    dropped from its score model. Levels are taken in sorted order and level i
    gets child seed i of ``seed``. Returns level -> :class:`PSMResult` whose
    ``index`` points into the caller's rows; see :func:`frame_by_group`.
    """
    t = _as_treatment(treated)
    g = pd.Series(np.asarray(groups).ravel() if not isinstance(groups, pd.Series) else groups.to_numpy())
    if len(g) != len(t):
        raise ValueError("groups must have one value per unit")
    if g.isna().any():
        raise ValueError("groups has missing values (drop those rows or code them as a level)")
    levels = sorted(g.unique().tolist(), key=lambda v: (str(type(v)), v))
    out = {}
    for level, child in zip(levels, _child_seeds(seed, len(levels))):
        rows = np.flatnonzero((g == level).to_numpy())
        Y = _subset(outcomes, rows)
        cvo = None if cv_outcome is None else np.asarray(cv_outcome, dtype=float)[rows]
        res = estimate_att(t[rows], _subset(covariates, rows), Y, specs, cells=_subset(cells, rows),
                           cv_outcome=cvo, n_boot=n_boot, seed=child, stratify=stratify,
                           keep_replicates=keep_replicates, alpha=alpha)
        out[level] = PSMResult(frame=res.frame, index=rows, scores=res.scores, weights=res.weights,
                               bandwidths=res.bandwidths, cv=res.cv, replicates=res.replicates, seed=None)
    return out


def frame_by_group(results: Mapping, name: str = "group") -> pd.DataFrame:
    """Stack the frames of :func:`estimate_by_group` with a ``name`` column first."""
    frames = [r.frame.assign(**{name: level}) for level, r in results.items()]
    out = pd.concat(frames, ignore_index=True)
    return out[[name] + [c for c in out.columns if c != name]]


def unit_weights_by_group(results: Mapping, spec, n: int) -> np.ndarray:
    """Length-n matched weights of ``spec`` combining the subgroup results (each
    subgroup's arms sum to one); for :func:`analysis.balance.standardised_differences`
    with ``groups``."""
    w = np.zeros(n)
    for r in results.values():
        w[r.index] = r.weights[spec].unit_weights(len(r.index))
    return w
