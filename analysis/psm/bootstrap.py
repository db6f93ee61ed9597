"""The bootstrap of :func:`estimate_att`: resamples, replications in blocks.

Bootstrap
---------
Persons are resampled with replacement,
stratified by treatment status (n1 treated and n0 controls drawn in every
replication, so the treated/control split is fixed as in the data). In every
replication the propensity score is re-estimated on the resample (Newton
steps with BFGS-updated Hessians from the full-sample coefficients, same
likelihood as statsmodels;
``refit.py``), the
weights of every specification are computed ONCE and applied to all outcome
columns (through prefix sums over the sorted scores, as the full-sample
weights: no n1 x n0 matrix). The bandwidth is held fixed at its full-sample value (as kmatch's
``vce(bootstrap)``). SE = standard deviation (ddof=1) of the replicate ATTs;
z = ATT / SE, two-sided normal p-value, 95 % CI = ATT -/+ 1.96 SE (normal
approximation, as the report's stars and confidence bands).

How the replications are computed (:func:`draw_resamples`,
:func:`bootstrap_replicates`, :class:`Bootstrap`): all resamples are drawn
first, in the order of the earlier replication-by-replication loop (so a seed
gives the same resamples, and the same numbers to ~1e-12, as before the
bootstrap was vectorised in 2026-11); a resample is then handled as frequency
weights on the original units. Replications run in fixed blocks of
:data:`BOOT_BLOCK`; a block is a pure function of the fixed problem and its
draws (:func:`_replicate_block`), so a map over blocks (e.g. on a cluster)
can replace the loop without changing the numbers. Within a block the score
refits of all replications share their matrix products (and their Hessians
are one product with the precomputed row outer products); specifications that
share a link and exact cells share the sorting and the control-score moments
of a replication (:class:`~analysis.psm.weights._SortedScores`). The bias
adjustment of all (replication, spec) columns of a block is done at once at the
end (:func:`~analysis.psm.adjust.bias_adjusted_columns`: one Gram per distinct
resample and matched set, one stacked pseudo-inverse).

Speed
-----
``benchmarks/psm_speed.py``, before/after: the BOT report's eleven
estimations with 200 replications take about a quarter of the CPU time of the
replication-by-replication loop. Run with one BLAS thread per process
(``OPENBLAS_NUM_THREADS=1`` before numpy is imported, as the evalreport engine
does for every kernel): the refits use small BLAS products, which stall with
multi-threaded OpenBLAS on a busy machine. Extended-precision (long double)
arithmetic in the prefix sums is one of the two largest remaining costs; ``x ** k``
on long doubles (powl) is avoided, being ~50 times slower than repeated products.
Since 2026-11-30 (BOT report 1.3.0) the BOT report's eleven estimations take
~18,5 s CPU instead of ~30 s (``psm_speed.py --tasks report --before 72726bb``;
the estimates, SEs and CI limits moved by at most 1,0e-11): the bias
adjustment is done per block, not per (replication, spec) (it had been a third
of the CPU time); the refits take BFGS steps between Hessians (``refit.py``);
kernel-matching weights are finished in double precision. Now the refits take
about a third of the CPU time, the weights (extended precision, needed by the
ridge weights) a third, the adjustment's Grams and pseudo-inverses a sixth.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .adjust import bias_adjusted_columns
from .propensity import _cdf
from .refit import OUTER_MAX_BYTES, _outer_products, _refit_block
from .weights import _SortedScores, _check_method, _spec_weights, _support


#: Replications per block of the bootstrap (:func:`bootstrap_replicates`). Fixed, so that the
#: replicates do not depend on how (or where) the blocks are run.
BOOT_BLOCK = 25


@dataclass(frozen=True, eq=False)
class Bootstrap:
    """What stays the same in every bootstrap replication of :func:`estimate_att`.

    ``t``: 0/1 treatment (length n); ``Y``: n x k outcomes; ``codes``: exact-matching cell codes or
    None; ``specs``: name -> :class:`MatchingSpec` (the order of the replicate axis);
    ``bandwidths``: name -> full-sample bandwidth (fixed across replications); ``scores``: link ->
    (design matrix, full-sample coefficients, rows): the start of every refit, on the units
    ``rows`` of the full-sample fit; the other units were set aside as perfectly predicted
    (:func:`fit_propensity`) and keep their status as score in every replication; specs with
    ``separated="exclude"`` leave those controls out in every replication. ``design``: the n x p
    regression design of the bias adjustment (:mod:`analysis.psm.adjust`) if a spec has
    ``bias_adjust=True``, else None; the adjustment is refitted on every resample.
    """

    t: np.ndarray
    Y: np.ndarray
    codes: np.ndarray | None
    specs: dict
    bandwidths: dict
    scores: dict
    design: np.ndarray | None = None

    @property
    def n(self) -> int:
        return len(self.t)

    def outer(self, link: str) -> np.ndarray | None:
        """:func:`_outer_products` of the link's design, computed once (not pickled with the object);
        None if it would take more than :data:`~analysis.psm.refit.OUTER_MAX_BYTES` (the refits
        then make it block by block in every Hessian: memory O(n) instead of O(n p^2))."""
        cache = self.__dict__.setdefault("_outer", {})
        if link not in cache:
            X = self.scores[link][0]
            p = X.shape[1]
            cache[link] = _outer_products(X) if 8 * len(X) * p * (p + 1) // 2 <= OUTER_MAX_BYTES else None
        return cache[link]

    def control_outer(self) -> np.ndarray | None:
        """:func:`_outer_products` of the controls' rows of the adjustment ``design``, computed once
        (as :meth:`outer`; None above OUTER_MAX_BYTES)."""
        cache = self.__dict__.setdefault("_outer", {})
        if "adjust" not in cache:
            X0 = self.design[self.t == 0]
            p = X0.shape[1]
            cache["adjust"] = _outer_products(X0) if 8 * len(X0) * p * (p + 1) // 2 <= OUTER_MAX_BYTES else None
        return cache["adjust"]

    def forget_outer(self) -> None:
        """Drop the outer products made by :meth:`outer` and :meth:`control_outer` (memory)."""
        self.__dict__.pop("_outer", None)

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k != "_outer"}

    def __setstate__(self, state):
        self.__dict__.update(state)


def draw_resamples(rng: np.random.Generator, t: np.ndarray, n_boot: int, *, stratify: bool = True) -> np.ndarray:
    """The n_boot x n positions of every bootstrap resample, drawn up front.

    Stratified: per replication n1 treated positions, then n0 control positions, with replacement
    (``rng.integers``), so the treated/control split is fixed; otherwise n positions from all units.
    The draws are made in the order of the earlier replication-by-replication loop, so a seed gives
    the same resamples as before the bootstrap was vectorised.
    """
    t = np.asarray(t)
    n = len(t)
    ti, ci = np.flatnonzero(t == 1), np.flatnonzero(t == 0)
    out = np.empty((n_boot, n), dtype=np.int32 if n < 2 ** 31 else np.int64)  # half the memory (B x n)
    for b in range(n_boot):
        if stratify:
            out[b, :len(ti)] = ti[rng.integers(0, len(ti), len(ti))]
            out[b, len(ti):] = ci[rng.integers(0, len(ci), len(ci))]
        else:
            out[b] = rng.integers(0, n, n)
    return out


def bootstrap_replicates(boot: Bootstrap, draws: np.ndarray, *, mapper: Callable = map) -> np.ndarray:
    """Replicate ATTs, n_boot x specs x k (NaN where a replication has no on-support treated unit or,
    unstratified, no treated or no control unit).

    The replications are cut into blocks of :data:`BOOT_BLOCK` and each block is computed by
    :func:`_replicate_block`, a pure function of ``(boot, block of draws)``: ``mapper`` (the builtin
    ``map`` by default) may be replaced by any map over the blocks, e.g. one that runs them on a
    cluster, without changing the numbers.
    """
    blocks = [draws[i:i + BOOT_BLOCK] for i in _block_starts(len(draws))]
    return _assemble(boot, len(draws), list(mapper(functools.partial(_replicate_block, boot), blocks)))


def _block_starts(n_boot: int) -> range:
    """First replication of every block: 0, BOOT_BLOCK, 2 BOOT_BLOCK, ... below ``n_boot``."""
    return range(0, n_boot, BOOT_BLOCK)


def _assemble(boot: Bootstrap, n_boot: int, blocks: list) -> np.ndarray:
    """The n_boot x specs x k replicates from the blocks' results, in order."""
    shape = (n_boot, len(boot.specs), boot.Y.shape[1])
    if n_boot == 0:
        return np.empty(shape)
    return np.concatenate(blocks, axis=0).reshape(shape)


def _replicate_block(boot: Bootstrap, draws: np.ndarray) -> np.ndarray:
    """Replicate ATTs (m x specs x k) for the m resamples in ``draws`` (m x n positions).

    A resample is handled as counts on the original units (a unit drawn c times has frequency
    weight c), which gives the resample's numbers without copying it. Per link, the scores of all m
    resamples are re-estimated together (:func:`_refit_block`). Per replication, the specs that share
    a link, cells and trimming share one :class:`_SortedScores` (sorting and control-score moments),
    and each adds its bandwidth's weights; IPW and trimmed specs use :func:`_spec_weights` on the
    resample itself. All specs and outcome columns of the block are then one matrix product V' Y
    (V: n x (m x specs), treated minus control weights on the original units).
    """
    t, n, names = boot.t, boot.n, list(boot.specs)
    m, ns = len(draws), len(names)
    counts = np.stack([np.bincount(d, minlength=n) for d in draws]).astype(float)
    p_all = {}
    for lk, (X, start, rows) in boot.scores.items():
        beta = _refit_block(X, t[rows], lk, start, counts[:, rows], outer=boot.outer(lk))
        p_all[lk] = np.repeat(t[None, :], m, axis=0)  # units set aside as separated keep their status
        p_all[lk][:, rows] = _cdf(beta @ X.T, lk)
    # controls set aside as separated in the full-sample fit, per link (left out by separated="exclude")
    sep0 = {}
    for lk, (_, _, rows) in boot.scores.items():
        sep0[lk] = t == 0
        sep0[lk][rows] = False
    groups: dict = {}
    for j, name in enumerate(names):
        s = boot.specs[name]
        key = (("resample", j) if (s.method == "ipw" or s.trim is not None)
               else (s.link, s.exact, s.separated == "exclude"))
        groups.setdefault(key, []).append(j)
    zeros = np.zeros(n, np.int64)
    V = np.zeros((n, m * ns))
    ok = np.zeros(m * ns, bool)
    for b in range(m):
        c = counts[b]
        u1, u0_all = np.flatnonzero((c > 0) & (t == 1)), np.flatnonzero((c > 0) & (t == 0))
        if len(u1) == 0 or len(u0_all) == 0:
            continue
        for key, js in groups.items():
            if key[0] == "resample":
                j = js[0]
                s, idx = boot.specs[names[j]], draws[b]
                tb = t[idx]
                tib, cib = np.flatnonzero(tb == 1), np.flatnonzero(tb == 0)
                if s.separated == "exclude":
                    cib = cib[~sep0[s.link][idx[cib]]]
                cb = None if boot.codes is None else boot.codes[idx]
                wb = _spec_weights(s, p_all[s.link][b][idx], cb, tib, cib, boot.bandwidths[names[j]])
                if wb.n_on_support:
                    ok[b * ns + j] = True
                    V[:, b * ns + j] = (np.bincount(idx[tib[wb.on_support]], minlength=n) / wb.n_on_support
                                        - np.bincount(idx[cib], weights=wb.control_weights, minlength=n))
                continue
            link, exact, exclude = key
            pb = p_all[link][b]
            e = boot.codes if exact else zeros
            u0 = u0_all[~sep0[link][u0_all]] if exclude else u0_all
            if len(u0) == 0:
                continue
            p1, p0, e1, e0 = pb[u1], pb[u0], e[u1], e[u0]
            ok1, _ = _support(p1, p0, e1, e0, "minmax", None)
            ss = _SortedScores(p1, c[u1], e1, p0, c[u0], e0)
            for j in js:
                s = boot.specs[names[j]]
                h, r = _check_method(s.method, s.kernel, boot.bandwidths[names[j]], s.ridge)
                on, cw = ss.weights(ok1 if s.support == "minmax" else np.ones(len(u1), bool), s.method,
                                    s.kernel, h, r)
                n_on = c[u1][on].sum()
                if n_on == 0:
                    continue
                ok[b * ns + j] = True
                V[u1[on], b * ns + j] = c[u1][on] / n_on
                V[u0, b * ns + j] -= cw
    adj = np.flatnonzero(ok & np.tile([boot.specs[name].bias_adjust for name in names], m))
    if len(adj):  # the bias adjustment of every (replication, spec) of the block at once
        V[:, adj] = bias_adjusted_columns(V[:, adj], boot.design, t, counts, adj // ns, boot.control_outer())
    est = V.T @ boot.Y
    est[~ok] = np.nan
    return est.reshape(m, ns, -1)
