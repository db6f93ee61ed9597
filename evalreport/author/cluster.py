"""Heavy analysis steps on the build's Dask cluster: ``cluster_map()``.

A report passes ``mapper=cluster_map()`` to an analysis function that maps a
pure function over independent pieces of work (the samples of
:func:`analysis.psm.estimate_samples`, each with its bootstrap replications)::

    R = psm.estimate_samples(OPGAVER, n_boot=n_boot, mapper=cluster_map())   # a task per sample
    res = psm.estimate_att(t, X, Y, specs, n_boot=1000, mapper=cluster_map())  # a task per 25 replications

Without a cluster (the ordinary build) ``cluster_map()`` is None, which the
analysis functions read as "your own default" (``estimate_samples``: its pool of
local processes), and the analysis runs as before. When ``evalreport build --scheduler``
builds a single report, the command puts the scheduler's address in the
kernel's environment (``EVALREPORT_SCHEDULER``, see :mod:`evalreport.cluster`)
and ``cluster_map()`` runs the blocks on the cluster's workers. The results are
the same bytes either way: each block is a pure function of its inputs, and the
blocks come back in order.

The large fixed arguments of a ``functools.partial`` (the data every block
needs) are sent to the cluster once, not with every block.
"""
from __future__ import annotations

import functools
import os

SCHEDULER_ENV = "EVALREPORT_SCHEDULER"


def cluster_map():
    """A ``map`` over the build's Dask cluster, or None without one (the analysis function's
    own default)."""
    address = os.environ.get(SCHEDULER_ENV)
    return ClusterMap(address) if address else None


class ClusterMap:
    """A ``map(function, items)`` that runs on the Dask cluster at ``address`` and returns
    the results as a list in the order of ``items``."""

    def __init__(self, address: str, client=None):
        self.address = address
        self._client = client

    def client(self):
        if self._client is None:
            from distributed import Client
            self._client = Client(self.address, timeout=30, set_as_default=False)
        return self._client

    def __call__(self, function, *iterables):
        client = self.client()
        func, args, kwargs = function, (), {}
        if isinstance(function, functools.partial):
            func, args, kwargs = function.func, function.args, dict(function.keywords)
        # the partial's fixed arguments travel once, the items one each; both straight to the
        # workers (scatter) rather than inside the task graph through the scheduler
        fixed = client.scatter(list(args), hash=False) if args else []
        items = [client.scatter(list(column), hash=False) for column in iterables]
        futures = client.map(_call, *items, fn_=func, fixed_=fixed, keywords_=kwargs, pure=False)
        try:
            return client.gather(futures)
        finally:
            client.cancel(futures + list(fixed) + [f for column in items for f in column])

    def __repr__(self) -> str:
        return f"ClusterMap({self.address!r})"


def _call(*items, fn_, fixed_, keywords_):
    return fn_(*fixed_, *items, **keywords_)
