"""Several independent estimations in parallel (:func:`estimate_samples`, :class:`SampleTask`).

Each task is one complete estimation with its own seed, so a task's result is the same whether it
runs alone, in the calling process or in a worker, and in whatever order. Workers are forked
(Linux), inherit the tasks from the parent (no pickling of the data) and send back only the result,
with the large arrays stripped. Run them with one BLAS thread per process
(``OPENBLAS_NUM_THREADS=1`` before numpy is imported, as the evalreport engine does for every
kernel), or the workers compete for the cores.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import multiprocessing
import os
import sys
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Callable, Hashable, Sequence

import numpy as np
import pandas as pd

from .common import _outcome_matrix, _subset
from .bootstrap import BOOT_BLOCK, _assemble, _block_starts, _replicate_block
from .estimate import PSMResult, _finish_att, _normalise_specs, _prepare_att, _PreparedATT, estimate_att
from .over_time import _finish_over_time, _prepare_over_time, effects_over_time


@dataclass(frozen=True, eq=False)
class SampleTask:
    """One estimation sample for :func:`estimate_samples`.

    ``rows``: positions into ``treated`` / ``covariates`` / ``outcomes`` /
    ``cells`` / ``cv_outcome`` (all of the caller's length n) of the units in
    the sample; the estimation sees only those rows. ``specs``, ``cells``,
    ``cv_outcome`` as in :func:`estimate_att`. ``seed``: the task's own seed
    (an int or a :class:`numpy.random.SeedSequence`, e.g. one child of
    ``SeedSequence(...).spawn(k)`` per task), which makes its result
    independent of the other tasks, of the order and of the number of workers.

    ``over_time=True`` runs :func:`effects_over_time` instead of
    :func:`estimate_att` (``outcomes`` may then have missing values; ``periods``
    and ``period_name`` are passed on) and the result is its tidy frame.

    ``cost``: relative running time, only used to start the heaviest tasks
    first (default: :meth:`estimated_cost`); it does not affect the results.
    """

    key: Hashable
    rows: np.ndarray
    treated: object
    covariates: pd.DataFrame
    outcomes: object
    specs: object
    cells: object = None
    cv_outcome: object = None
    seed: int | np.random.SeedSequence = 0
    over_time: bool = False
    periods: Sequence | None = None
    period_name: str = "week"
    cost: float | None = None

    def __post_init__(self):
        rows = np.asarray(self.rows)
        if rows.ndim != 1 or not (rows.size == 0 or np.issubdtype(rows.dtype, np.integer)):
            raise TypeError(f"task {self.key!r}: rows must be a 1-D array of integer positions "
                            "(use np.flatnonzero(mask) for a boolean mask)")
        n = len(self.treated)
        if rows.size and (rows.min() < 0 or rows.max() >= n):
            raise ValueError(f"task {self.key!r}: rows must be positions in 0..{n - 1}")
        object.__setattr__(self, "rows", rows)
        _normalise_specs(self.specs)

    def estimated_cost(self) -> float:
        """Rough relative running time, for the order only.

        Per estimation: sample size x (score links x (covariates + 1) + 3 x specs + specs x outcome
        columns / 150) – the bootstrap's score refits dominate, then the weights per spec, then the
        outcome columns (coefficients from timings of the BOT report's samples). ``over_time`` tasks count
        one estimation per missingness pattern of the outcome columns among ``rows``.
        """
        specs = _normalise_specs(self.specs)
        n_links = len({s.link for s in specs.values()})
        n_terms = (self.covariates.shape[1] if isinstance(self.covariates, pd.DataFrame) else 0) + 1
        shape = np.shape(self.outcomes)                  # (converting them is slow: 0,1 s for BOT)
        k = shape[1] if len(shape) == 2 else 1
        per_sample = len(self.rows) * (n_links * n_terms + 3 * len(specs) + len(specs) * k / 150)
        if not self.over_time:
            return float(per_sample)
        Y, _ = _outcome_matrix(_subset(self.outcomes, self.rows), len(self.rows))
        patterns = {(~np.isnan(Y[:, j])).tobytes() for j in range(Y.shape[1])}
        return float(per_sample * max(1, len(patterns)))


def _copy_seed(seed):
    """A fresh copy of a SeedSequence (``effects_over_time`` spawns children from it, which
    changes the object), so a task gives the same result every time it is run, in any process."""
    if isinstance(seed, np.random.SeedSequence):
        return np.random.SeedSequence(seed.entropy, spawn_key=seed.spawn_key, pool_size=seed.pool_size,
                                      n_children_spawned=seed.n_children_spawned)
    return seed


def _strip_result(res: PSMResult, rows: np.ndarray) -> PSMResult:
    """``res`` with ``index`` = ``rows`` and without the large arrays (see :func:`estimate_samples`)."""
    weights = {k: dataclasses.replace(w, matrix=None) for k, w in res.weights.items()}
    scores = {k: dataclasses.replace(s, model=None, design=np.empty((0, 0))) for k, s in res.scores.items()}
    return PSMResult(frame=res.frame, index=rows, scores=scores, weights=weights, bandwidths=res.bandwidths,
                     cv=res.cv, replicates=None, seed=res.seed)


def _task_inputs(task: SampleTask, n_boot: int) -> tuple:
    """The task's treatment, covariates and outcomes on its rows, and the common keyword arguments."""
    r = task.rows
    cvo = None if task.cv_outcome is None else np.asarray(task.cv_outcome, dtype=float)[r]
    common = dict(cells=_subset(task.cells, r), cv_outcome=cvo, n_boot=n_boot, seed=_copy_seed(task.seed))
    t, X, Y = np.asarray(task.treated, dtype=float)[r], _subset(task.covariates, r), _subset(task.outcomes, r)
    return t, X, Y, common


def _run_task(task: SampleTask, n_boot: int):
    t, X, Y, common = _task_inputs(task, n_boot)
    if task.over_time:
        return effects_over_time(t, X, Y, task.specs, periods=task.periods, period_name=task.period_name,
                                 **common)
    return _strip_result(estimate_att(t, X, Y, task.specs, **common), task.rows)


def _prepare_task(task: SampleTask, n_boot: int):
    """Round 1 of the pool (:func:`estimate_samples`): the task's estimations up to their bootstraps,
    without the large arrays the parent does not need (the bootstrap's own copies stay)."""
    t, X, Y, common = _task_inputs(task, n_boot)
    if task.over_time:
        parts = _prepare_over_time(t, X, Y, task.specs, periods=task.periods, stratify=True, alpha=0.05, **common)
        for prep, _ in parts.samples:
            _strip_prepared(prep)
        return parts
    return _strip_prepared(_prepare_att(t, X, Y, task.specs, stratify=True, keep_replicates=False, alpha=0.05,
                                        **common))


def _strip_prepared(prep: _PreparedATT) -> _PreparedATT:
    prep.weights = {k: dataclasses.replace(w, matrix=None) for k, w in prep.weights.items()}
    prep.scores = {k: dataclasses.replace(s, model=None, design=np.empty((0, 0))) for k, s in prep.scores.items()}
    return prep


def _estimations(task: SampleTask, prepared) -> list:
    """The prepared estimations of a task (one, or one per missingness pattern of an over-time task)."""
    return [prep for prep, _ in prepared.samples] if task.over_time else [prepared]


def _finish_task(task: SampleTask, prepared, replicates: list):
    """Round 3, in the parent: the task's result from its prepared estimations and their replicates."""
    if task.over_time:
        results = [_finish_att(prep, R) for (prep, _), R in zip(prepared.samples, replicates)]
        return _finish_over_time(prepared, results, task.period_name)
    return _strip_result(_finish_att(prepared, replicates[0]), task.rows)


def _block_cost(prep: _PreparedATT) -> float:
    """Relative running time of one bootstrap block of ``prep`` (for the order only; as
    :meth:`SampleTask.estimated_cost`: the score refits dominate, then the weights per spec)."""
    boot = prep.boot
    terms = sum(design.shape[1] for design, _, _ in boot.scores.values())
    return boot.n * (terms + 3 * len(boot.specs) + len(boot.specs) * boot.Y.shape[1] / 150)


#: Share of round 2's estimated work (the lightest estimations) that is handed out block by block;
#: the rest goes out one estimation per job (:func:`_bootstrap_jobs`).
SPLIT_SHARE = 0.15


def _bootstrap_jobs(preps: list) -> list[tuple[int, tuple[int, ...]]]:
    """The jobs of round 2: (estimation, first replication of each of its blocks), heaviest first.

    The heaviest estimations are one job each, so one worker makes their row outer products
    (:meth:`~analysis.psm.bootstrap.Bootstrap.outer`, up to a hundred MB each) once. Handed out
    block by block, every worker made them for every estimation: twice the memory, and a second
    of page faults and repeated products on two workers (BOT). The lightest estimations, together
    :data:`SPLIT_SHARE` of the work, go out block by block and keep the workers busy to the end.
    Which worker computes a block does not change its numbers."""
    costs = [_block_cost(prep) * len(_block_starts(prep.n_boot)) for prep in preps]
    total, done, jobs = sum(costs), 0.0, []
    for f in sorted(range(len(preps)), key=lambda f: -costs[f]):  # stable: ties keep the tasks' order
        starts = tuple(_block_starts(preps[f].n_boot))
        if done < (1 - SPLIT_SHARE) * total:
            jobs.append((f, starts))
        else:
            jobs.extend((f, (start,)) for start in starts)
        done += costs[f]
    return jobs


_WORKER_TASKS: tuple = ()
_WORKER_N_BOOT: int = 0
_WORKER_PREPS: tuple = ()


def _worker_init(tasks, n_boot):
    # runs in the forked worker: the arguments are inherited through fork, not pickled
    global _WORKER_TASKS, _WORKER_N_BOOT
    _WORKER_TASKS, _WORKER_N_BOOT = tasks, n_boot
    gc.freeze()  # the inherited objects (a whole kernel's) are not traversed by the worker's collections


def _worker_run(i: int):
    return _run_task(_WORKER_TASKS[i], _WORKER_N_BOOT)


def _worker_prepare(i: int):
    return _prepare_task(_WORKER_TASKS[i], _WORKER_N_BOOT)


_WORKER_DRAWS: dict = {}


def _worker_init_blocks(preps):
    # runs in the forked worker: the prepared estimations are inherited through fork, not pickled
    global _WORKER_PREPS
    _WORKER_PREPS = preps
    gc.freeze()


def _worker_blocks(f: int, starts: tuple[int, ...]) -> list:
    """The blocks ``starts`` of estimation ``f``. Its resamples are drawn here from its seed (the
    same draws wherever they are made), once per worker, off the parent's path between the rounds."""
    prep = _WORKER_PREPS[f]
    if f not in _WORKER_DRAWS:
        _WORKER_DRAWS[f] = prep.draws()
    draws = _WORKER_DRAWS[f]
    out = [_replicate_block(prep.boot, draws[start:start + BOOT_BLOCK]) for start in starts]
    if len(starts) > 1:  # the whole estimation (_bootstrap_jobs): not needed again in this worker
        prep.boot.forget_outer()
        del _WORKER_DRAWS[f]
    return out


def _in_pool(ctx, workers: int, initializer, initargs, run, jobs: list) -> list:
    """``[run(*job) for job in jobs]`` in a forked pool, started in the order of ``jobs``; the first
    error is raised here and the jobs not yet started are cancelled."""
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=ctx, initializer=initializer,
                             initargs=initargs) as pool:
        futures = [pool.submit(run, *job) for job in jobs]
        try:
            return [f.result() for f in futures]
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)  # do not start the remaining jobs
            raise


def _in_rounds(tasks: list, order: list, n_boot: int, workers: int, ctx, later: frozenset = frozenset()) -> dict:
    """The pool of :func:`estimate_samples` in three rounds: (1) every task up to its bootstraps, in the
    pool; (2) the bootstrap replications of all tasks' estimations together, heaviest first, whole
    estimations and, at the end, single blocks (:func:`_bootstrap_jobs`), in a new pool forked after
    round 1 (so the workers inherit the bootstraps); (3) the results, here. The estimations of the
    tasks whose keys are in ``later`` come after all the others in round 2, and their results are
    returned as functions that wait for them (:class:`SampleResults`): the pool works on while the
    caller goes on."""
    if len(tasks) == 1:
        prepared = {i: _prepare_task(tasks[i], n_boot) for i in order}
    else:
        prepared = dict(zip(order, _in_pool(ctx, workers, _worker_init, (tuple(tasks), n_boot), _worker_prepare,
                                            [(i,) for i in order])))
    flat = [(i, prep) for i in order for prep in _estimations(tasks[i], prepared[i])]
    preps = tuple(prep for _, prep in flat)
    jobs = []
    for group in ([f for f, (i, _) in enumerate(flat) if tasks[i].key not in later],
                  [f for f, (i, _) in enumerate(flat) if tasks[i].key in later]):
        jobs += [(group[f], starts) for f, starts in _bootstrap_jobs([preps[f] for f in group])]
    # forked here, in the caller's thread, before anything is read back
    pool = ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=ctx, initializer=_worker_init_blocks,
                               initargs=(preps,)) if jobs else None
    futures = {}
    try:
        for job in jobs:
            futures[job] = pool.submit(_worker_blocks, *job)
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    waiting = {i for i in order if tasks[i].key in later}

    def finish(i: int):
        try:
            done = {}
            for job, future in futures.items():
                if flat[job[0]][0] == i:
                    done.update({(job[0], start): block for start, block in zip(job[1], future.result())})
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)  # do not start the remaining jobs
            raise
        replicates = [_assemble(prep.boot, prep.n_boot, [done[(f, start)] for start in _block_starts(prep.n_boot)])
                      for f, (j, prep) in enumerate(flat) if j == i]
        waiting.discard(i)
        if pool is not None and not waiting:
            pool.shutdown(wait=True)
        return _finish_task(tasks[i], prepared[i], replicates)

    results = {i: finish(i) for i in order if tasks[i].key not in later}
    if pool is not None and not waiting:
        pool.shutdown(wait=True)
    return {**results, **{i: _Pending(functools.partial(finish, i)) for i in order if tasks[i].key in later}}


class _Pending:
    """A result still being computed in the background; calling it waits for it."""

    def __init__(self, wait: Callable):
        self.wait = wait


class SampleResults(Mapping):
    """The results of :func:`estimate_samples`: key -> result, in the order of the tasks. The result
    of a task in ``later`` is computed in the background and waited for when it is first read
    (``results[key]``); iterating over the keys and ``key in results`` do not wait."""

    def __init__(self, keys: list, results: dict):
        self._keys = list(keys)
        self._results = results              # key -> result, or a function that waits for it

    def __getitem__(self, key):
        value = self._results[key]
        if isinstance(value, _Pending):
            value = self._results[key] = value.wait()
        return value

    def __iter__(self):
        return iter(self._keys)

    def __contains__(self, key) -> bool:      # Mapping's would read the result, and wait
        return key in self._results

    def __len__(self) -> int:
        return len(self._keys)

    def pending(self) -> list:
        """The keys whose results have not been read yet and were computed in the background."""
        return [k for k in self._keys if isinstance(self._results[k], _Pending)]


def _fork_context():
    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return None


def default_workers() -> int:
    """min(2, number of CPUs): the default of :func:`estimate_samples`."""
    return max(1, min(2, os.cpu_count() or 1))


def estimate_samples(tasks: Sequence[SampleTask], *, n_boot: int, workers: int | None = None,
                     mapper: Callable | None = None, later: Sequence[Hashable] = ()) -> SampleResults:
    """Run several independent estimations (samples, subgroups) in parallel.

    Every :class:`SampleTask` is one complete estimation – score, bandwidth,
    matching and bootstrap – by :func:`estimate_att`, or by
    :func:`effects_over_time` when ``over_time`` is set, on its ``rows`` with
    its own ``seed`` and ``n_boot`` replications.

    Execution: in a pool of ``workers`` processes (default :func:`default_workers`,
    min(2, CPUs)) started by fork, in two rounds, so that all workers stay busy
    to the end however unequal the tasks: first every task's score, bandwidths and
    full-sample estimates, tasks heaviest first (:attr:`SampleTask.cost`, default
    :meth:`SampleTask.estimated_cost`); then the bootstrap blocks
    (:data:`~analysis.psm.bootstrap.BOOT_BLOCK` replications each) of all tasks
    together, heaviest first and a whole estimation per job but for the lightest
    (:func:`_bootstrap_jobs`), in a pool forked afterwards; the results are put
    together here. Workers inherit what they need through fork; only results
    travel back. With ``workers=1`` or no fork start method (non-Linux) the tasks
    run one after the other in the calling process. The results do not depend
    on ``workers`` or on the order of the tasks (a block is a pure function of
    its estimation and draws). Errors in a task are raised here. Warnings
    filters are inherited from the caller.

    ``mapper``: instead of the pool, a ``map(function, tasks)`` that returns the
    results in order, e.g. one over the workers of a Dask cluster
    (``evalreport.author.cluster_map()`` in a report); ``workers`` is then not used.
    The function is a ``functools.partial`` of a module-level function, so it and
    the tasks can be pickled to other machines. Same results.

    ``later``: keys of tasks whose results the caller reads only later. In the pool their bootstrap
    blocks come after all the others', and the call returns when the others are done: the workers
    finish these while the caller goes on (e.g. the cells of a report that do not need them), and
    ``results[key]`` waits for them where they are read. Iterating over the keys does not wait; an
    error in such a task is raised where its result is read. Without the pool (``mapper``,
    ``workers=1``) they are computed before the call returns. Same results either way.

    Returns a :class:`SampleResults` mapping key -> result, in the order of ``tasks`` (keys must be
    unique):

    * a :class:`PSMResult` for an ordinary task, with ``index`` = the task's
      ``rows`` (so :meth:`PSMResult.unit_weights` and
      :func:`unit_weights_by_group` work on the caller's rows). Stripped of the
      large arrays: ``weights[spec].matrix`` is None (the n1 x n0 matrix),
      ``scores[link].model`` is None and ``scores[link].design`` an empty
      (0, 0) array, ``replicates`` is None. Kept: ``frame``, ``bandwidths``,
      ``cv``, ``seed`` and, per link, the score of every unit, the coefficient
      table, ``params`` and fit statistics; per spec the treated/control
      positions, ``on_support`` and ``control_weights`` (everything balance and
      support tables need);
    * the tidy frame of :func:`effects_over_time` for an ``over_time`` task.
    """
    tasks = list(tasks)
    for task in tasks:
        if not isinstance(task, SampleTask):
            raise TypeError("tasks must be SampleTask objects")
    keys = [task.key for task in tasks]
    if len(set(keys)) != len(keys):
        raise ValueError("task keys must be unique")
    later = frozenset(later)
    if not later <= set(keys):
        raise ValueError(f"later: no task has the key(s) {sorted(map(repr, later - set(keys)))}")
    if n_boot < 0:
        raise ValueError("n_boot must be >= 0")
    workers = default_workers() if workers is None else int(workers)
    if workers < 1:
        raise ValueError("workers must be >= 1")
    costs = [t.estimated_cost() if t.cost is None else float(t.cost) for t in tasks]
    order = sorted(range(len(tasks)), key=lambda i: -costs[i])  # stable: ties keep the caller's order
    ctx = _fork_context()
    results = {}
    if mapper is not None:
        done = mapper(functools.partial(_run_task, n_boot=n_boot), [tasks[i] for i in order])
        results = dict(zip(order, done))
    elif workers == 1 or not tasks or ctx is None:
        for i in order:
            results[i] = _run_task(tasks[i], n_boot)
    else:
        results = _in_rounds(tasks, order, n_boot, workers, ctx, later)
    return SampleResults(keys, {tasks[i].key: results[i] for i in range(len(tasks))})
