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
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Callable, Hashable, Sequence

import numpy as np
import pandas as pd

from .common import _outcome_matrix, _subset
from .estimate import PSMResult, _normalise_specs, estimate_att
from .over_time import effects_over_time


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
        Y, _ = _outcome_matrix(_subset(self.outcomes, self.rows), len(self.rows))
        per_sample = len(self.rows) * (n_links * n_terms + 3 * len(specs) + len(specs) * Y.shape[1] / 150)
        if not self.over_time:
            return float(per_sample)
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


def _run_task(task: SampleTask, n_boot: int):
    r = task.rows
    cvo = None if task.cv_outcome is None else np.asarray(task.cv_outcome, dtype=float)[r]
    common = dict(cells=_subset(task.cells, r), cv_outcome=cvo, n_boot=n_boot, seed=_copy_seed(task.seed))
    t, X, Y = np.asarray(task.treated, dtype=float)[r], _subset(task.covariates, r), _subset(task.outcomes, r)
    if task.over_time:
        return effects_over_time(t, X, Y, task.specs, periods=task.periods, period_name=task.period_name,
                                 **common)
    return _strip_result(estimate_att(t, X, Y, task.specs, **common), r)


_WORKER_TASKS: tuple = ()

_WORKER_N_BOOT: int = 0


def _worker_init(tasks, n_boot):
    # runs in the forked worker: the arguments are inherited through fork, not pickled
    global _WORKER_TASKS, _WORKER_N_BOOT
    _WORKER_TASKS, _WORKER_N_BOOT = tasks, n_boot


def _worker_run(i: int):
    return _run_task(_WORKER_TASKS[i], _WORKER_N_BOOT)


def _fork_context():
    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return None


def default_workers() -> int:
    """min(2, number of CPUs): the default of :func:`estimate_samples`."""
    return max(1, min(2, os.cpu_count() or 1))


def estimate_samples(tasks: Sequence[SampleTask], *, n_boot: int, workers: int | None = None,
                     mapper: Callable | None = None) -> dict:
    """Run several independent estimations (samples, subgroups) in parallel.

    Every :class:`SampleTask` is one complete estimation – score, bandwidth,
    matching and bootstrap – by :func:`estimate_att`, or by
    :func:`effects_over_time` when ``over_time`` is set, on its ``rows`` with
    its own ``seed`` and ``n_boot`` replications.

    Execution: tasks are started heaviest first (:attr:`SampleTask.cost`,
    default :meth:`SampleTask.estimated_cost`) in a pool of ``workers``
    processes (default :func:`default_workers`, min(2, CPUs)) started by fork,
    which inherit the tasks; only the results travel back. With
    ``workers=1``, a single task, or no fork start method (non-Linux) the tasks
    run one after the other in the calling process. The results do not depend
    on ``workers`` or on the order of the tasks. Errors in a task are raised here.
    Warnings filters are inherited from the caller.

    ``mapper``: instead of the pool, a ``map(function, tasks)`` that returns the
    results in order, e.g. one over the workers of a Dask cluster
    (``evalreport.author.cluster_map()`` in a report); ``workers`` is then not used.
    The function is a ``functools.partial`` of a module-level function, so it and
    the tasks can be pickled to other machines. Same results.

    Returns key -> result, in the order of ``tasks`` (keys must be unique):

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
    elif workers == 1 or len(tasks) <= 1 or ctx is None:
        for i in order:
            results[i] = _run_task(tasks[i], n_boot)
    else:
        with ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=ctx,
                                 initializer=_worker_init, initargs=(tuple(tasks), n_boot)) as pool:
            futures = {i: pool.submit(_worker_run, i) for i in order}
            try:
                results = {i: f.result() for i, f in futures.items()}
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)  # do not start the remaining tasks
                raise
    return {tasks[i].key: results[i] for i in range(len(tasks))}
