"""Newton refits of the propensity score on many weighted samples at once (the bootstrap).

In every bootstrap replication the propensity score is re-estimated on the resample (Newton steps
with BFGS-updated Hessians from the full-sample coefficients, same likelihood as statsmodels).
:func:`_refit_block` does that for a whole block of resamples given as frequency weights on the
original units; see its docstring.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from .propensity import _cdf


#: Iterations at which :func:`_refit_block` computes each sample's own Hessian (BFGS updates otherwise).
OWN_HESSIAN_AT = (4,)


def _refit_params(design: np.ndarray, t: np.ndarray, link: str, start: np.ndarray,
                  maxiter: int = 40, tol: float = 1e-10, hessian_at=OWN_HESSIAN_AT) -> np.ndarray:
    """Maximum-likelihood logit/probit coefficients by Newton-Raphson from ``start`` (one sample;
    :func:`_refit_block` with all counts 1)."""
    counts = np.ones((1, len(t)))
    return _refit_block(design, np.asarray(t, dtype=float), link, start, counts, maxiter=maxiter, tol=tol,
                        hessian_at=hessian_at)[0]


def _refit_block(design: np.ndarray, t: np.ndarray, link: str, start: np.ndarray, counts: np.ndarray,
                 maxiter: int = 40, tol: float = 1e-10, hessian_at=OWN_HESSIAN_AT,
                 outer: np.ndarray | None = None) -> np.ndarray:
    """Logit/probit coefficients of m weighted samples at once (m x p), by Newton-Raphson from ``start``.

    Row b of ``counts`` (m x n) holds frequency weights on the rows of ``design``: a bootstrap
    resample is its counts, so the refit never copies the resampled design. The likelihood is
    statsmodels' (the bootstrap uses this instead of statsmodels to avoid its per-call overhead).
    Starting from the full-sample estimate ``start``, the first step of every sample uses the inverse
    Hessian of the start on unit weights (the full sample's: one for all samples; a resample's
    differs from it by sampling noise); each sample's own Hessian is computed (and inverted) at the
    iterations ``hessian_at`` only (:data:`OWN_HESSIAN_AT`; 0 in it: its own from the start). After
    every other step the inverse is corrected by the BFGS update from the step and the change of the
    gradient (quasi-Newton steps: p x p per sample and superlinearly convergent, where the Hessian
    reused unchanged, as before 2026-11-30, converged only linearly and needed a fresh one every four
    iterations: on the BOT report's resamples this needs 75 pct. fewer Hessians for 15 pct. fewer
    iterations, and a third less CPU time). Singular Hessians (a dummy constant in a resample) get the
    pseudo-inverse, i.e. the least-squares step, which leaves that coefficient alone. Step halving
    keeps each log-likelihood from decreasing. A sample stops when none of its fitted probabilities
    moves by more than ``tol`` and is then left alone, so its coefficients are those of a fit on its
    own: under quasi-separation some coefficients drift for ever while the scores, which is all
    matching uses, are settled.

    The m samples share the matrix products X beta and X' r (one BLAS call each per iteration
    instead of m), and their Hessians are one product (counts x weights) @ ``outer``, where
    ``outer`` (:func:`_outer_products`, n x p(p+1)/2) holds the products x_i x_i' of every row:
    computed once per estimation, it halves the floating-point work of the Hessians. Without it
    (None: a large design, see :data:`OUTER_MAX_BYTES`) they are made block by block of rows.
    """
    X = np.asarray(design, dtype=float)
    C = np.asarray(counts, dtype=float)
    m, p = C.shape[0], X.shape[1]
    q = 2 * t - 1
    used = C > 0
    beta = np.tile(np.asarray(start, dtype=float), (m, 1))
    eta = beta @ X.T
    prob = _cdf(eta, link)
    ll = _loglik_rows(eta, t, q, link, C)
    hess_inv = np.empty((m, p, p))
    hessian_at = set(hessian_at)
    if 0 not in hessian_at:   # the first step of all samples with the start's Hessian on unit weights
        hess_inv[:] = _inverse_hessians(X, _score_weights(eta[:1], prob[:1], t, q, link)[1], outer)[0]
    last_grad, last_step = np.zeros((m, p)), np.zeros((m, p))
    active = np.arange(m)
    for it in range(maxiter):
        if not active.size:
            break
        a = slice(None) if active.size == m else active   # a view while all samples are active
        Ca = C[a]
        r, w = _score_weights(eta[a], prob[a], t, q, link)
        grad = (Ca * r) @ X
        if it in hessian_at:
            hess_inv[a] = _inverse_hessians(X, Ca * w, outer)
        elif it > 0:
            _bfgs_update(hess_inv, active, last_step[a], last_grad[a] - grad)
        step = np.einsum("bij,bj->bi", hess_inv[a], grad)
        eta_new = (beta[a] + step) @ X.T
        ll_new = _loglik_rows(eta_new, t, q, link, Ca)
        ll_old = ll[a]
        for _half in range(30):
            worse = ll_new < ll_old - 1e-12 * np.maximum(1.0, np.abs(ll_old))
            if not worse.any():
                break
            step[worse] /= 2
            eta_new[worse] = (beta[active[worse]] + step[worse]) @ X.T
            ll_new[worse] = _loglik_rows(eta_new[worse], t, q, link, Ca[worse])
        prob_new = _cdf(eta_new, link)
        moved = np.max(np.abs(prob_new - prob[a]) * used[a], axis=1)
        last_grad[a], last_step[a] = grad, step
        beta[a] += step
        eta[a] = eta_new
        prob[a] = prob_new
        ll[a] = ll_new
        active = active[moved >= tol]
    return beta


def _bfgs_update(hess_inv: np.ndarray, rows: np.ndarray, s: np.ndarray, y: np.ndarray) -> None:
    """BFGS update, in place, of the inverse Hessians ``hess_inv[rows]`` (of minus the log-likelihood)
    from the last steps ``s`` and the gradient changes ``y`` (= grad_old - grad_new of the
    log-likelihood, i.e. about H s): B <- (I - rho s y') B (I - rho y s') + rho s s', rho = 1/(y's)
    (Nocedal & Wright 2006, eq. 6.17). Samples whose y's is not clearly positive keep B."""
    sy = np.einsum("bi,bi->b", s, y)
    ok = sy > 1e-12 * np.sqrt(np.einsum("bi,bi->b", s, s) * np.einsum("bi,bi->b", y, y))
    if not ok.any():
        return
    rows, s, y, rho = rows[ok], s[ok], y[ok], 1 / sy[ok]
    B = hess_inv[rows]
    By = np.einsum("bij,bj->bi", B, y)
    c = rho * rho * np.einsum("bi,bi->b", y, By) + rho
    # B + (c s - rho By) s' - rho s By' as one batched product of p x 2 and 2 x p matrices
    left = np.stack([c[:, None] * s - rho[:, None] * By, s], axis=2)
    right = np.stack([s, -rho[:, None] * By], axis=1)
    hess_inv[rows] = B + left @ right


#: Largest row outer-product matrix (:func:`_outer_products`, n x p(p+1)/2 doubles) kept whole: 256 MB,
#: e.g. 20.000 rows of a 55-column design. Larger designs are done in blocks of rows of that size.
OUTER_MAX_BYTES = 256 * 2 ** 20


def _outer_products(design: np.ndarray) -> np.ndarray:
    """n x p(p+1)/2: row i holds x_i x_i' (upper triangle, row-major) of the design's row i.
    Filled 256 rows at a time, so the column slices written stay in the cache (twice as fast)."""
    X = np.asarray(design, dtype=float)
    n, p = X.shape
    out = np.empty((n, p * (p + 1) // 2))
    for lo in range(0, n, 256):
        x, o = X[lo:lo + 256], out[lo:lo + 256]
        off = 0
        for j in range(p):
            np.multiply(x[:, j:j + 1], x[:, j:], out=o[:, off:off + p - j])
            off += p - j
    return out


def _weighted_grams(X: np.ndarray, V: np.ndarray, outer: np.ndarray | None) -> np.ndarray:
    """X' diag(v_b) X for every row v_b of V (m x n), as one product V @ ``outer`` (m x p x p, symmetric).
    ``outer``: :func:`_outer_products` of X, or None to make them here, OUTER_MAX_BYTES of rows at a time."""
    m, p = len(V), X.shape[1]
    iu = np.triu_indices(p)
    H = np.empty((m, p, p))
    if outer is not None:
        U = V @ outer
    else:  # the row outer products block by block, OUTER_MAX_BYTES at a time (one block: the same numbers)
        rows = max(1, OUTER_MAX_BYTES // (8 * len(iu[0])))
        U = V[:, :rows] @ _outer_products(X[:rows])
        for lo in range(rows, len(X), rows):
            U += V[:, lo:lo + rows] @ _outer_products(X[lo:lo + rows])
    H[:, iu[0], iu[1]] = U
    H[:, iu[1], iu[0]] = U
    return H


def _inverse_hessians(X: np.ndarray, V: np.ndarray, outer: np.ndarray | None) -> np.ndarray:
    """Inverses of X' diag(v_b) X for every row v_b of V (m x n); the pseudo-inverse where singular.
    ``outer``: as for :func:`_weighted_grams`."""
    m = len(V)
    H = _weighted_grams(X, V, outer)
    try:
        inv = np.linalg.inv(H)
        bad = ~np.all(np.isfinite(inv), axis=(1, 2))
    except np.linalg.LinAlgError:
        inv = np.empty_like(H)
        bad = np.zeros(m, bool)
        for b in range(m):
            try:
                inv[b] = np.linalg.inv(H[b])
                bad[b] = not np.all(np.isfinite(inv[b]))
            except np.linalg.LinAlgError:
                bad[b] = True
    for b in np.flatnonzero(bad):
        inv[b] = np.linalg.pinv(H[b])
    return inv


def _loglik_rows(eta: np.ndarray, t: np.ndarray, q: np.ndarray, link: str, counts: np.ndarray) -> np.ndarray:
    """Weighted log-likelihood of each row of ``eta`` (m x n)."""
    if link == "logit":  # log(1 + exp(-q eta)) as np.logaddexp computes it, without its slow scalar loop
        return -np.sum(counts * (np.maximum(-q * eta, 0.0) + np.log1p(np.exp(-np.abs(eta)))), axis=1)
    return np.sum(counts * special.log_ndtr(q * eta), axis=1)


def _score_weights(eta: np.ndarray, prob: np.ndarray, t: np.ndarray, q: np.ndarray, link: str
                   ) -> tuple[np.ndarray, np.ndarray]:
    """d loglik / d eta and the Newton weights -d2 loglik / d eta2, per unit (``prob`` = cdf(eta))."""
    if link == "logit":
        return t - prob, prob * (1 - prob)
    lam = q * np.exp(_log_mills(q * eta))
    return lam, lam * (lam + eta)


def _log_mills(z: np.ndarray) -> np.ndarray:
    """log(phi(z) / Phi(z)), stable for large negative z."""
    return -0.5 * z * z - 0.5 * np.log(2 * np.pi) - special.log_ndtr(z)
