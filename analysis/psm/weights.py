"""Matching weights on the control units: kernel, ridge and IPW, with exact cells and common support.

Ridge formula
-------------
Kernels: ``kernels.py``. Ridge weights for treated i (kmatch's ``Kmatch_Ridge``, Jann 2017)::

    W_i = sum_j K_ij,  P_i = sum_j K_ij p_j / W_i,  D_ij = p_j - P_i,
    S_i = sum_j K_ij D_ij^2,  d_i = p_i - P_i,
    w_ij = K_ij / W_i + K_ij D_ij d_i / (S_i + r h |d_i|)

with ridge parameter r = 5/16 for the Epanechnikov and 1/4 for the
rectangular kernel (Seifert & Gasser 1996, the values kmatch picks; any other
value, e.g. a small 0.0001, can be given as ``ridge=``). The
weights of a treated unit sum to one and may be negative. If all controls in
the window have the same score (S_i = 0 up to 1e-9 W_i h^2), the ridge weights
reduce to the kernel weights (kmatch does the same when the window's scores
have no variance).

Common support
--------------
An explicit choice (``support=`` of :class:`MatchingSpec` and
:func:`matching_weights`; the default is ``"minmax"``, but reports should state
it in the call and in their methods text, because the rules can differ
noticeably where the control scores thin out):

* ``"minmax"`` (psmatch2 ``common``): a treated unit whose score is below the
  smallest or above the largest control score – within its exact cell when
  exact matching is used – is off support, even if controls lie inside its
  kernel window;
* ``"window"``: no min/max rule (kmatch's default for kernel matching).

Under both rules, for kernel and ridge matching a treated unit with no control
inside the kernel window (and cell) is off support, and with exact matching a
treated unit whose cell has no controls is off support; for IPW ``"window"``
keeps every treated unit. ``trim=(lo, hi)`` also drops treated AND controls
with a score outside [lo, hi] (kmatch ``comsup()``). Off-support treated units
are left out of the ATT and counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .common import KERNELS, METHODS, SUPPORT_RULES, _as_treatment, _cell_codes
from .kernels import (DEFAULT_RIDGE, RIDGE_ZERO_VARIANCE, _cell_keys, _kernel_sum, _power_rows, _prefix_rows,
                      _window)

if TYPE_CHECKING:
    from .estimate import MatchingSpec


@dataclass(frozen=True)
class MatchingWeights:
    """Weights on the control units.

    ``treated`` / ``controls``: positions (into the input arrays) of the
    treated and control units, in input order. ``control_weights``: length n0,
    sums to one; for matching the mean over the on-support treated of their
    weights, for IPW the normalised odds. ``on_support``: per treated unit.
    These vectors are all an estimate, a balance table or a support count needs.

    ``matrix``: the n1 x n0 weights per treated unit (each on-support row sums
    to one; off-support rows are zero), only if asked for with
    ``matching_weights(..., keep_matrix=True)`` (kernel and ridge matching);
    otherwise ``None``. It takes n1 x n0 x 8 bytes (some 29 GB for 20.000
    treated and 180.000 controls), so nothing in the package makes it.

    ``adjustment``: length n0 or None, the shift of the control weights by the
    regression bias adjustment (:mod:`analysis.psm.adjust`; sums to zero): the
    estimator uses ``control_weights + adjustment``, while ``control_weights``
    (and :meth:`unit_weights`) remain the matching's own, for balance tables.
    """

    method: str
    kernel: str | None
    bandwidth: float | None
    ridge: float | None
    exact: bool
    treated: np.ndarray
    controls: np.ndarray
    on_support: np.ndarray
    control_weights: np.ndarray
    matrix: np.ndarray | None = field(default=None, repr=False)
    adjustment: np.ndarray | None = field(default=None, repr=False)

    @property
    def estimator_weights(self) -> np.ndarray:
        """The control weights of the ATT: ``control_weights`` plus the bias adjustment, if any."""
        return self.control_weights if self.adjustment is None else self.control_weights + self.adjustment

    @property
    def n_treated(self) -> int:
        return int(len(self.treated))

    @property
    def n_on_support(self) -> int:
        return int(self.on_support.sum())

    @property
    def n_off_support(self) -> int:
        return self.n_treated - self.n_on_support

    @property
    def n_controls(self) -> int:
        return int(len(self.controls))

    @property
    def n_controls_used(self) -> int:
        """Controls with a non-zero aggregate weight."""
        return int(np.count_nonzero(self.control_weights))

    def unit_weights(self, n: int | None = None) -> np.ndarray:
        """Length-n weights on all units: 1/n_on for on-support treated, 0 for
        off-support treated, ``control_weights`` for controls. Both arms sum to
        one; used for balance after matching."""
        n = int(max(self.treated.max(initial=-1), self.controls.max(initial=-1)) + 1) if n is None else n
        w = np.zeros(n)
        if self.n_on_support:
            w[self.treated[self.on_support]] = 1.0 / self.n_on_support
        w[self.controls] = self.control_weights
        return w


def _check_method(method: str, kernel: str, bandwidth, ridge) -> tuple[float | None, float | None]:
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}")
    if kernel not in KERNELS:
        raise ValueError(f"kernel must be one of {KERNELS}")
    if method == "ipw":
        return None, None
    if bandwidth is None or not np.isfinite(bandwidth) or bandwidth <= 0:
        raise ValueError(f"{method} matching needs a positive bandwidth")
    r = None
    if method == "ridge":
        r = DEFAULT_RIDGE[kernel] if ridge is None else float(ridge)
        if r < 0:
            raise ValueError("ridge parameter must be >= 0")
    return float(bandwidth), r


def _support(p1, p0, c1, c0, support, trim) -> tuple[np.ndarray, np.ndarray]:
    """On-support flags of treated units and usable flags of controls (before the window rule).

    A treated unit is off support if trimmed, if its cell has no usable
    control, or (``support="minmax"``) if its score is outside the range of
    the usable controls' scores in its cell (the whole sample without cells)."""
    ok1 = np.ones(len(p1), bool)
    ok0 = np.ones(len(p0), bool)
    if trim is not None:
        lo, hi = trim
        ok1 &= (p1 >= lo) & (p1 <= hi)
        ok0 &= (p0 >= lo) & (p0 <= hi)
    e1 = np.zeros(len(p1), np.int64) if c1 is None else np.asarray(c1, dtype=np.int64)
    e0 = np.zeros(len(p0), np.int64) if c0 is None else np.asarray(c0, dtype=np.int64)
    ncell = int(max(e1.max(initial=0), e0.max(initial=0))) + 1
    cmin = np.full(ncell, np.inf)
    cmax = np.full(ncell, -np.inf)
    np.minimum.at(cmin, e0[ok0], p0[ok0])
    np.maximum.at(cmax, e0[ok0], p0[ok0])
    ok1 &= np.isfinite(cmin[e1])
    if support == "minmax":
        ok1 &= (p1 >= cmin[e1]) & (p1 <= cmax[e1])
    return ok1, ok0


def _weight_matrix(p1, p0, c1, c0, ok1, ok0, method, kernel, h, r) -> tuple[np.ndarray, np.ndarray]:
    """Dense n1 x n0 kernel or ridge weights; returns (matrix, on_support)."""
    lower, upper = _window(p1, h)
    mask = (p0[None, :] > lower[:, None]) & (p0[None, :] < upper[:, None])
    mask &= ok1[:, None] & ok0[None, :]
    if c1 is not None:
        mask &= c1[:, None] == c0[None, :]
    if kernel == "epanechnikov":
        u = (p0[None, :] - p1[:, None]) / h
        K = 0.75 * (1.0 - u * u)
    else:
        K = np.full(mask.shape, 0.5)
    K *= mask
    W = K.sum(axis=1)
    on = ok1 & mask.any(axis=1)
    Wsafe = np.where(on, W, 1.0)
    M = K / Wsafe[:, None]
    if method == "ridge":
        P = (K @ p0) / Wsafe
        KD = K * (p0[None, :] - P[:, None])
        S = np.einsum("ij,ij->i", KD, p0[None, :] - P[:, None])
        d = p1 - P
        flat = S <= RIDGE_ZERO_VARIANCE * Wsafe * h * h
        g = np.where(flat | ~on, 0.0, d / np.where(flat, 1.0, S + r * h * np.abs(d)))
        M += KD * g[:, None]
    M[~on] = 0.0
    return M, on


class _SortedScores:
    """Treated and control scores of one sample, sorted within exact cells, with the prefix sums of
    the control-score moments: everything the prefix-sum weights share across specifications of the
    same link and cells (only the bandwidth, kernel and method differ).

    Units carry frequency weights (a bootstrap resample as counts on the original units): a unit
    with weight c counts as c copies, so the weights are those of the resample. ``p1``/``a1``/``e1``:
    scores, weights and cell codes of the treated; ``p0``/``a0``/``e0`` of the usable controls (all
    weights > 0). Scores are centred on their cell's (weighted) control mean before the moments are
    accumulated in extended precision.
    """

    def __init__(self, p1, a1, e1, p0, a0, e0):
        self.n1, self.n0 = len(p1), len(p0)
        ncell = int(max(np.max(e0, initial=0), np.max(e1, initial=0))) + 1
        self.o1 = np.lexsort((p1, e1))
        self.o0 = np.lexsort((p0, e0))
        self.p1, self.e1, self.a1 = p1[self.o1], e1[self.o1], np.asarray(a1, dtype=float)[self.o1]
        self.p0, self.e0, self.a0 = p0[self.o0], e0[self.o0], np.asarray(a0, dtype=float)[self.o0]
        self.k0 = _cell_keys(self.e0, self.p0)
        w = np.bincount(self.e0, weights=self.a0, minlength=ncell)
        center = np.bincount(self.e0, weights=self.a0 * self.p0, minlength=ncell) / np.where(w > 0, w, 1)
        self.q0 = self.p0.astype(np.longdouble) - center[self.e0]
        self.q1 = self.p1.astype(np.longdouble) - center[self.e1]
        self.Q = _prefix_rows(self.a0 * _power_rows(self.q0, 5))  # row m: prefix sums of a q^m, m = 0..4
        self.q64 = (self.q1.astype(float), self.q0.astype(float))

    def weights(self, ok1, method, kernel, h, r) -> tuple[np.ndarray, np.ndarray]:
        """(on-support flags of the treated, aggregate weights of the controls), both in input order.

        ``ok1``: treated allowed on support (input order). A treated unit is on support if allowed
        and a control lies inside its window (lower < p0 < upper, same cell; :func:`_window`). The
        control weights are a0_j sum_i a1_i K_ij (u_i + g_i q0_j) / n_on with u_i, g_i the kernel
        (g = 0) or ridge terms of treated i (module docstring) and n_on the weighted number of
        on-support treated.
        """
        ok = np.asarray(ok1, bool)[self.o1]
        lower, upper = _window(self.p1, h)
        # controls in treated i's window: sorted positions [lo, hi)
        kl, ku = _cell_keys(self.e1, lower), _cell_keys(self.e1, upper)
        lo = np.searchsorted(self.k0, kl, side="right")
        hi = np.searchsorted(self.k0, ku, side="left")
        inside = ok & (hi > lo)
        ridge = method == "ridge"
        kk = 3 if kernel == "epanechnikov" else 1       # moments a kernel sum uses (_kernel_sum)
        # Window sums are differences of extended-precision prefix sums. Kernel weights are then
        # computed in double precision (agreeing with extended precision to ~1e-15); ridge weights
        # stay in extended precision, their variance S_i and the sum of u_i + g_i q0_j cancel.
        ext = np.longdouble if ridge else np.float64
        h2 = ext(h) ** 2
        q1, q0 = (self.q1, self.q0) if ridge else self.q64
        nmom = kk + 2 * ridge
        Qw = (self.Q[:nmom, hi] - self.Q[:nmom, lo]).astype(ext, copy=False)  # row m: window sum of q0^m
        W = _kernel_sum(Qw[0:kk], q1, h2, kernel)
        Wd = np.where(inside, W, 1)
        u = np.where(inside, 1 / Wd, 0)
        if ridge:
            P = _kernel_sum(Qw[1:1 + kk], q1, h2, kernel) / Wd
            S = _kernel_sum(Qw[2:2 + kk], q1, h2, kernel) - P * P * Wd
            d = q1 - P
            flat = (S <= RIDGE_ZERO_VARIANCE * Wd * h2) | ~inside
            g = np.where(flat, 0, d / np.where(flat, 1, S + np.longdouble(r * h) * np.abs(d)))
            u = u - P * g
        on = np.zeros(self.n1, bool)
        on[self.o1] = inside
        raw = np.zeros(self.n0)
        n_on = float(self.a1[inside].sum())
        if n_on == 0:
            return on, raw
        # treated in control j's window (lower_i < p0_j < upper_i, same cell): sorted positions [start, stop)
        start = np.searchsorted(ku, self.k0, side="right")
        stop = np.maximum(np.searchsorted(kl, self.k0, side="left"), start)
        pw = self.a1 * _power_rows(q1, kk)
        UG = _prefix_rows(np.vstack([pw * u, pw * g]) if ridge else pw * u)
        UGw = (UG[:, stop] - UG[:, start]).astype(ext, copy=False)
        s = _kernel_sum(UGw[0:kk], q0, h2, kernel)
        if ridge:  # kernel matching: g = 0
            s = s + q0 * _kernel_sum(UGw[kk:2 * kk], q0, h2, kernel)
        raw[self.o0] = (self.a0 * s).astype(float) / n_on
        return on, raw


def _fast_control_weights(p1, p0, c1, c0, ok1, ok0, method, kernel, h, r) -> tuple[np.ndarray, np.ndarray]:
    """Aggregate control weights and on-support flags without the n1 x n0 matrix.

    Same estimator as :func:`_weight_matrix`, computed from prefix sums over the sorted scores
    (O(n log n), :class:`_SortedScores`): W_i, P_i, S_i are kernel-weighted moments of the control
    scores in treated i's window, and the aggregate weight of control j, sum_i K_ij (1/W_i - P_i g_i
    + p_j g_i) / n_on, is a kernel-weighted sum over the treated in j's window. Window membership
    uses the same floating-point comparisons as the dense path. Agrees with the dense matrix to
    ~1e-12 (tests/test_psm.py).
    """
    on = np.zeros(len(p1), bool)
    raw = np.zeros(len(p0))
    i0 = np.flatnonzero(ok0)
    if not np.any(ok1) or len(i0) == 0:
        return raw, on
    e1 = np.zeros(len(p1), np.int64) if c1 is None else np.asarray(c1, dtype=np.int64)
    e0 = np.zeros(len(i0), np.int64) if c0 is None else np.asarray(c0, dtype=np.int64)[i0]
    ss = _SortedScores(p1, np.ones(len(p1)), e1, p0[i0], np.ones(len(i0)), e0)
    on, w = ss.weights(ok1, method, kernel, h, r)
    raw[i0] = w
    return raw, on


def matching_weights(treated, score, *, method: str = "ridge", kernel: str = "epanechnikov",
                     bandwidth: float | None = None, ridge: float | None = None, cells=None,
                     support: str = "minmax", trim: tuple[float, float] | None = None,
                     keep_matrix: bool = False) -> MatchingWeights:
    """Weights on the controls for ``method`` in ``("kernel", "ridge", "ipw")``.

    ``cells``: exact-matching codes (any labels, one per unit); with cells,
    controls only receive weight from treated units in the same cell, and for
    IPW the odds are normalised within each cell and scaled by the cell's share
    of on-support treated. Support rules: module docstring.

    The n1 x n0 matrix of every treated unit's weights is never kept unless
    ``keep_matrix=True`` (:attr:`MatchingWeights.matrix`, for inspection and tests;
    n1 x n0 x 8 bytes). Up to :data:`DENSE_MAX_PAIRS` treated x control pairs the control
    weights are summed from it block by block (the numbers published before), beyond by
    prefix sums over the sorted scores (:func:`_fast_control_weights`, O(n log n) time,
    O(n) memory; equal to ~1e-12).
    """
    t = _as_treatment(treated)
    p = np.asarray(score, dtype=float).ravel()
    if len(p) != len(t):
        raise ValueError("score and treated have different lengths")
    if not np.all(np.isfinite(p)):
        raise ValueError("score has missing or infinite values")
    if support not in SUPPORT_RULES:
        raise ValueError(f"support must be one of {SUPPORT_RULES}")
    h, r = _check_method(method, kernel, bandwidth, ridge)
    codes = None if cells is None else _cell_codes(cells, len(t))
    ti, ci = np.flatnonzero(t == 1), np.flatnonzero(t == 0)
    return _weights_arrays(p[ti], p[ci], None if codes is None else codes[ti],
                           None if codes is None else codes[ci], ti, ci, method, kernel, h, r,
                           support, trim, keep_matrix=keep_matrix, dense_max_pairs=DENSE_MAX_PAIRS)


#: Full-sample kernel/ridge weights of problems with at most this many treated x control pairs are
#: summed from the dense weights, DENSE_BLOCK_ELEMENTS at a time and never kept whole (the numbers
#: the reports published before issue 14, to the last bit); larger ones by prefix sums
#: (:func:`_fast_control_weights`, equal to ~1e-12, O(n) memory). BOT: ~4 million pairs.
DENSE_MAX_PAIRS = 20_000_000
DENSE_BLOCK_ELEMENTS = 2_000_000


def _weights_arrays(p1, p0, c1, c0, ti, ci, method, kernel, h, r, support, trim,
                    keep_matrix: bool = False, dense_max_pairs: int = 0) -> MatchingWeights:
    """:class:`MatchingWeights` from treated and control scores (``p1``, ``p0``) and cells. Kernel and
    ridge weights: the dense matrix if ``keep_matrix``; else summed from dense row blocks if n1 x n0 <=
    ``dense_max_pairs`` (:data:`DENSE_MAX_PAIRS` for full-sample estimates; the bootstrap passes 0);
    else by prefix sums."""
    ok1, ok0 = _support(p1, p0, c1, c0, support, trim)
    matrix = None
    if method == "ipw":
        on = ok1.copy()
        odds = np.where(ok0, p0 / np.clip(1.0 - p0, 1e-12, None), 0.0)
        cw = np.zeros(len(p0))
        if c1 is None:
            if odds.sum() > 0 and on.any():
                cw = odds / odds.sum()
            else:
                on[:] = False
        else:
            for cell in np.unique(c1[on]):
                m0 = c0 == cell
                tot = odds[m0].sum()
                if tot <= 0:
                    on[c1 == cell] = False
            n_on = on.sum()
            for cell in np.unique(c1[on]):
                m0 = c0 == cell
                cw[m0] = odds[m0] / odds[m0].sum() * (np.sum(on & (c1 == cell)) / n_on)
    elif keep_matrix:
        matrix, on = _weight_matrix(p1, p0, c1, c0, ok1, ok0, method, kernel, h, r)
        n_on = on.sum()
        cw = matrix.sum(axis=0) / n_on if n_on else np.zeros(len(p0))
    elif len(p1) * len(p0) <= dense_max_pairs:
        cw, on = _blocked_control_weights(p1, p0, c1, c0, ok1, ok0, method, kernel, h, r)
    else:
        cw, on = _fast_control_weights(p1, p0, c1, c0, ok1, ok0, method, kernel, h, r)
    return MatchingWeights(method=method, kernel=None if method == "ipw" else kernel, bandwidth=h,
                           ridge=r, exact=c1 is not None, treated=ti, controls=ci, on_support=on,
                           control_weights=cw, matrix=matrix)


def _spec_weights(s: MatchingSpec, p, codes, ti, ci, h, full_sample: bool = False) -> MatchingWeights:
    """Weights of one spec on positions ``ti`` (treated) and ``ci`` (controls) of score ``p``, never
    keeping the dense matrix. ``full_sample``: up to :data:`DENSE_MAX_PAIRS` summed from dense row
    blocks (see :func:`_weights_arrays`); the bootstrap's resamples always use prefix sums."""
    h, r = _check_method(s.method, s.kernel, h, s.ridge)
    cc = codes if s.exact else None
    return _weights_arrays(p[ti], p[ci], None if cc is None else cc[ti], None if cc is None else cc[ci],
                           ti, ci, s.method, s.kernel, h, r, s.support, s.trim,
                           dense_max_pairs=DENSE_MAX_PAIRS if full_sample else 0)


def _blocked_control_weights(p1, p0, c1, c0, ok1, ok0, method, kernel, h, r) -> tuple[np.ndarray, np.ndarray]:
    """The control weights and on-support flags of :func:`_weight_matrix` without keeping the matrix:
    its rows are made DENSE_BLOCK_ELEMENTS at a time and summed in order, the same additions as
    ``matrix.sum(axis=0)``: with one BLAS thread per process (as in a report's kernel) the same
    numbers to the last bit; a multi-threaded GEMV of a whole matrix rounds differently anyway."""
    rows = max(8, DENSE_BLOCK_ELEMENTS // max(1, len(p0)) // 8 * 8)
    total, on = None, np.zeros(len(p1), bool)
    for lo in range(0, len(p1), rows):
        b = slice(lo, lo + rows)
        M, on[b] = _weight_matrix(p1[b], p0, None if c1 is None else c1[b], c0, ok1[b], ok0, method, kernel, h, r)
        total = M.sum(axis=0) if total is None else np.add.reduce(np.vstack([total[None], M]), axis=0)
    n_on = on.sum()
    return (total / n_on if n_on else np.zeros(len(p0))), on
