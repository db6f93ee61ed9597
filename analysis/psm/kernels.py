"""Kernels, kernel windows and prefix sums of score moments (:mod:`analysis.psm`).

Kernels have support |u| < 1 (a control exactly h away gets no weight):
Epanechnikov K(u) = 0.75 (1 - u^2), rectangular ("uniform") K(u) = 0.5. The
matching weights (``weights.py``) and the bandwidth cross-validation
(``bandwidth.py``) sum kernel-weighted moments of the scores over windows of
the sorted scores by prefix sums; the pieces they share live here, so that
every code path uses the same window comparisons and the same arithmetic.
"""

from __future__ import annotations

import numpy as np


#: K(0) of each kernel; K(u) = KERNEL_HEIGHT * (1 - u^2) (Epanechnikov) or a constant (uniform) for |u| < 1.
KERNEL_HEIGHT: dict[str, float] = {"epanechnikov": 0.75, "uniform": 0.5}

#: Ridge parameter r per kernel (Seifert & Gasser 1996; kmatch's defaults).
DEFAULT_RIDGE: dict[str, float] = {"epanechnikov": 5 / 16, "uniform": 1 / 4}

#: Relative tolerance below which a window's score variance S_i counts as zero (ridge -> kernel weights).
RIDGE_ZERO_VARIANCE = 1e-9


def _window(p1: np.ndarray, h: float) -> tuple[np.ndarray, np.ndarray]:
    """Window limits (p1 - h, p1 + h): control j is in treated i's window iff
    lower_i < p0_j < upper_i. Every code path uses these two arrays, so the
    dense matrix, the prefix-sum bootstrap path and the cross-validation agree
    on boundary cases to the last bit."""
    return p1 - h, p1 + h


def _prefix(values: np.ndarray) -> np.ndarray:
    """Prefix sums with a leading zero, in extended precision (window sum = F[hi] - F[lo])."""
    v = np.asarray(values, dtype=np.longdouble)
    return np.concatenate([np.zeros((1,) + v.shape[1:], dtype=np.longdouble), np.cumsum(v, axis=0)])


def _powers(q: np.ndarray, m: int) -> np.ndarray:
    """Columns q^0, q^1, ..., q^(m-1) by repeated multiplication (``q ** k`` on long doubles calls
    powl, which is ~50 times slower and was the bootstrap's single largest cost)."""
    out = np.empty((len(q), m), dtype=np.result_type(q, np.float64))
    out[:, 0] = 1
    for k in range(1, m):
        out[:, k] = out[:, k - 1] * q
    return out


def _prefix_rows(values: np.ndarray) -> np.ndarray:
    """:func:`_prefix` along the rows: row m holds the prefix sums of ``values[m]`` (a leading zero
    column). The same sums; with one moment per row, the window sums and kernel sums that follow
    work on contiguous rows instead of strided columns (a sixth of the bootstrap's weights time)."""
    v = np.asarray(values, dtype=np.longdouble)
    out = np.zeros(v.shape[:-1] + (v.shape[-1] + 1,), dtype=np.longdouble)
    np.cumsum(v, axis=-1, out=out[..., 1:])
    return out


def _power_rows(q: np.ndarray, m: int) -> np.ndarray:
    """:func:`_powers` as rows: row k is q^k (k = 0..m-1), by the same repeated products."""
    out = np.empty((m, len(q)), dtype=np.result_type(q, np.float64))
    out[0] = 1
    for k in range(1, m):
        np.multiply(out[k - 1], q, out=out[k])
    return out


def _kernel_sum(F: list, q, h2, kernel: str):
    """sum_k K((q_k - q)/h) f_k over a window from the moments F[m] = sum_k q_k^m f_k."""
    c = KERNEL_HEIGHT[kernel]
    if kernel == "uniform":
        return c * F[0]
    return c * (F[0] - (F[2] - 2 * q * F[1] + q * q * F[0]) / h2)


def _cell_keys(cells: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Complex keys cell + i * value. NumPy orders complex numbers lexicographically (real part,
    then imaginary part) in sort and searchsorted, so one searchsorted on keys sorted by (cell,
    score) finds positions within each unit's own cell, with exactly the float comparisons of the
    scores themselves (no rounding: both parts are stored as they are)."""
    k = np.empty(len(values), dtype=np.complex128)
    k.real = cells
    k.imag = values
    return k
