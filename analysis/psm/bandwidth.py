"""Bandwidth by leave-one-out cross-validation (:func:`cv_bandwidth`, ``MatchingSpec(bandwidth="cv")``).

Each control's outcome is predicted from the other controls (same cell under exact
matching) by the same estimator at its own score; the criterion is the mean
squared prediction error, times n0 / (controls with a prediction) to penalise
bandwidths that leave controls unpredicted (kmatch's correction). Grid
:data:`DEFAULT_BANDWIDTH_GRID` = 0.005, 0.010, ..., 0.250; the smallest
criterion wins (first on ties); ``at_boundary`` flags a minimiser at the end of
the grid. Chosen separately for every specification and sample.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from .common import DEFAULT_BANDWIDTH_GRID, KERNELS, _as_treatment, _cell_codes
from .kernels import (DEFAULT_RIDGE, KERNEL_HEIGHT, RIDGE_ZERO_VARIANCE, _cell_keys, _kernel_sum, _powers,
                      _prefix, _window)


@dataclass(frozen=True)
class BandwidthSearch:
    """Criterion over a grid. ``bandwidth`` is the grid value with the smallest
    criterion (the first one if tied); ``at_boundary`` flags a minimiser at an
    end of the grid (widen the grid)."""

    grid: np.ndarray
    criterion: np.ndarray
    bandwidth: float
    at_boundary: bool

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"bandwidth": self.grid, "criterion": self.criterion})


def grid_search(criterion: Callable[[float], float], grid: Sequence[float] = DEFAULT_BANDWIDTH_GRID
                ) -> BandwidthSearch:
    """Evaluate ``criterion`` at every grid value and return the minimiser."""
    g = np.asarray(grid, dtype=float).ravel()
    if g.size == 0 or np.any(~np.isfinite(g)) or np.any(g <= 0):
        raise ValueError("grid must hold positive finite values")
    g = np.sort(g)
    return _grid_minimum(g, np.array([float(criterion(h)) for h in g]))


def _grid_minimum(g: np.ndarray, crit: np.ndarray) -> BandwidthSearch:
    if not np.isfinite(crit).any():
        raise ValueError("criterion is not finite anywhere on the grid")
    k = int(np.nanargmin(np.where(np.isfinite(crit), crit, np.nan)))
    return BandwidthSearch(grid=g, criterion=crit, bandwidth=float(g[k]),
                           at_boundary=bool(k in (0, len(g) - 1) and len(g) > 1))


def loo_cv_criterion(control_score, control_outcome, *, control_cells=None, method: str = "ridge",
                     kernel: str = "epanechnikov", ridge: float | None = None) -> Callable[[float], float]:
    """Leave-one-out prediction error of the matching estimator among the controls.

    Each control's outcome is predicted from the OTHER controls (same exact cell
    if ``control_cells`` is given) by the kernel or ridge estimator evaluated at
    its own score, as the counterfactual of a treated unit would be (Frölich
    2004, 2005). Returns h -> criterion, the mean squared error over the controls
    that have at least one other control in the window, multiplied by
    n0 / (number predicted) to penalise bandwidths that leave controls without
    a prediction (kmatch's penalty for lost observations). A matrix outcome
    averages the per-column criteria.

    Computed by prefix sums of score moments over the sorted scores (exact
    algebra, O(n log n) per bandwidth; sums accumulated in extended precision).
    """
    cv = _loo_cv(control_score, control_outcome, control_cells, method, kernel, ridge)
    return lambda h: float(cv.criteria(np.array([float(h)]))[0])


def _loo_cv(control_score, control_outcome, control_cells, method, kernel, ridge) -> "_LooCV":
    if method not in ("kernel", "ridge"):
        raise ValueError("cross-validation is for kernel or ridge matching")
    if kernel not in KERNELS:
        raise ValueError(f"kernel must be one of {KERNELS}")
    r = (DEFAULT_RIDGE[kernel] if ridge is None else float(ridge)) if method == "ridge" else 0.0
    p = np.asarray(control_score, dtype=float).ravel()
    Y = np.asarray(control_outcome, dtype=float)
    Y = Y[:, None] if Y.ndim == 1 else Y
    if len(Y) != len(p):
        raise ValueError("control_score and control_outcome have different lengths")
    keep = np.isfinite(p) & np.all(np.isfinite(Y), axis=1)
    codes = np.zeros(len(p), int) if control_cells is None else _cell_codes(control_cells, len(p))
    return _LooCV(p[keep], Y[keep], codes[keep], method, kernel, r)


class _LooCV:
    """The leave-one-out criterion of :func:`loo_cv_criterion` for many bandwidths at once.

    Controls are sorted by (cell, score) and their scores centred on the cell mean; prefix sums of
    q^m and y q^m (extended precision) over that order give every control's window sums by one
    searchsorted on complex (cell, score) keys (:func:`_cell_keys`), for all cells and a whole
    chunk of the grid in one pass.
    """

    def __init__(self, p, Y, codes, method, kernel, r):
        order = np.lexsort((p, codes))
        self.p, self.Y, self.e = p[order], Y[order], np.asarray(codes)[order]
        self.method, self.kernel, self.r = method, kernel, r
        ncell = int(self.e.max(initial=0)) + 1
        cnt = np.bincount(self.e, minlength=ncell)
        center = np.bincount(self.e, weights=self.p, minlength=ncell) / np.maximum(cnt, 1)
        self.q = self.p.astype(np.longdouble) - center[self.e]
        self.keys = _cell_keys(self.e, self.p)
        qm = _powers(self.q, 5)
        y = self.Y.astype(np.longdouble)
        self.Q = _prefix(qm)                                   # (n+1) x 5
        self.YQ = _prefix(y[:, None, :] * qm[:, :4, None])     # (n+1) x 4 x k

    def criteria(self, hs: np.ndarray, with_kernel: bool = False) -> np.ndarray:
        """Criterion per bandwidth; ``with_kernel`` (ridge only): G x 2, the ridge and the kernel
        matching criterion (the kernel one is a by-product of the ridge pass, the same numbers as its
        own pass: :func:`cv_bandwidths`)."""
        n, k = self.Y.shape
        out = np.full((len(hs), 2) if with_kernel else len(hs), np.inf)
        if n < 2:
            return out
        step = max(1, int(2_000_000 // max(1, n * k)))
        for i in range(0, len(hs), step):
            out[i:i + step] = self._criteria(np.asarray(hs[i:i + step], dtype=float), with_kernel)
        return out

    def _criteria(self, hs: np.ndarray, with_kernel: bool = False) -> np.ndarray:
        kernel, c = self.kernel, KERNEL_HEIGHT[self.kernel]
        lower, upper = _window(self.p[None, :], hs[:, None])           # G x n
        lo = np.searchsorted(self.keys, _cell_keys(np.broadcast_to(self.e, lower.shape).ravel(), lower.ravel()),
                             side="right").reshape(lower.shape)
        hi = np.searchsorted(self.keys, _cell_keys(np.broadcast_to(self.e, upper.shape).ravel(), upper.ravel()),
                             side="left").reshape(upper.shape)
        ok = hi - lo > 1  # another control besides j itself
        h2 = hs[:, None].astype(np.longdouble) ** 2                     # G x 1
        Qw = np.moveaxis(self.Q[hi] - self.Q[lo], -1, 0)                # 5 x G x n
        Yw = np.moveaxis(self.YQ[hi] - self.YQ[lo], 2, 0)               # 4 x G x n x k
        q, y = self.q, self.Y.astype(np.longdouble)
        qq, h2k = q[:, None], h2[:, :, None]
        # window sums include j itself (K(0) = c): subtract its term
        W = _kernel_sum(Qw[0:3], q, h2, kernel) - c
        Wd = np.where(ok, W, 1)
        KY = _kernel_sum(Yw[0:3], qq, h2k, kernel) - c * y
        pred = KY / Wd[:, :, None]
        if self.method == "ridge":
            KQ = _kernel_sum(Qw[1:4], q, h2, kernel) - c * q
            KQ2 = _kernel_sum(Qw[2:5], q, h2, kernel) - c * q * q
            KQY = _kernel_sum(Yw[1:4], qq, h2k, kernel) - c * qq * y
            P = KQ / Wd
            S = KQ2 - KQ * P
            d = q - P
            flat = S <= RIDGE_ZERO_VARIANCE * Wd * h2
            g = np.where(flat, 0, d / np.where(flat, 1, S + (self.r * hs[:, None]).astype(np.longdouble) * np.abs(d)))
            pred = pred + g[:, :, None] * (KQY - P[:, :, None] * KY)
        crit = self._criterion(pred, ok)
        return np.column_stack([crit, self._criterion(KY / Wd[:, :, None], ok)]) if with_kernel else crit

    def _criterion(self, pred: np.ndarray, ok: np.ndarray) -> np.ndarray:
        """Mean squared leave-one-out error (G bandwidths) from the predictions (G x n x k)."""
        err = np.where(ok[:, :, None], self.Y - pred.astype(float), 0.0)
        n_pred = ok.sum(axis=1)
        sse = np.einsum("gnk,gnk->gk", err, err)
        with np.errstate(divide="ignore", invalid="ignore"):
            crit = np.mean(sse / n_pred[:, None], axis=1) * (len(self.p) / n_pred)
        return np.where(n_pred > 0, crit, np.inf)


def cv_bandwidth(treated, score, outcome, *, cells=None, method: str = "ridge", kernel: str = "epanechnikov",
                 ridge: float | None = None, grid: Sequence[float] = DEFAULT_BANDWIDTH_GRID,
                 trim: tuple[float, float] | None = None) -> BandwidthSearch:
    """Bandwidth minimising the leave-one-out criterion (:func:`loo_cv_criterion`) on the controls."""
    p0, y0, codes, g = _cv_controls(treated, score, outcome, cells, grid, trim)
    return _grid_minimum(g, _loo_cv(p0, y0, codes, method, kernel, ridge).criteria(g))


def _cv_controls(treated, score, outcome, cells, grid, trim) -> tuple:
    """(scores, outcomes, cell codes) of the controls within ``trim``, and the sorted grid."""
    t = _as_treatment(treated)
    p = np.asarray(score, dtype=float).ravel()
    Y = np.asarray(outcome, dtype=float)
    c = t == 0
    if trim is not None:
        c &= (p >= trim[0]) & (p <= trim[1])
    codes = None if cells is None else _cell_codes(cells, len(t))[c]
    g = np.asarray(grid, dtype=float).ravel()
    if g.size == 0 or np.any(~np.isfinite(g)) or np.any(g <= 0):
        raise ValueError("grid must hold positive finite values")
    return p[c], Y[c], codes, np.sort(g)


def cv_bandwidths(treated, score, outcome, *, cells=None, kernel: str = "epanechnikov", ridge: float | None = None,
                  grid: Sequence[float] = DEFAULT_BANDWIDTH_GRID, trim: tuple[float, float] | None = None
                  ) -> dict[str, BandwidthSearch]:
    """:func:`cv_bandwidth` of ridge AND kernel matching with the same kernel, sample and grid in one
    pass: ``{"ridge": ..., "kernel": ...}``, each the same as its own :func:`cv_bandwidth` bit for
    bit. The kernel matching prediction is a part of the ridge prediction (g = 0), so it costs only
    its error sums (the BOT report's robustness specifications cross-validate both)."""
    p0, y0, codes, g = _cv_controls(treated, score, outcome, cells, grid, trim)
    both = _loo_cv(p0, y0, codes, "ridge", kernel, ridge).criteria(g, with_kernel=True)
    return {"ridge": _grid_minimum(g, both[:, 0]), "kernel": _grid_minimum(g, both[:, 1])}
