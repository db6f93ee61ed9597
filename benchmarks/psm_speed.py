"""Time the BOT matching estimates at the report's size.

Usage: .venv/bin/python benchmarks/psm_speed.py [N_BOOT]   (default 200)

Data: 412 treated + 2.229 controls, 55 covariates (11 municipality dummies,
binary and continuous lags), 11 municipalities as exact-matching cells, and an
outcome matrix of 6 weekly outcomes x 53 weeks + 13 cumulative months = 331
columns. Prints the wall time of

* the full-sample logit + probit fits and the bandwidth cross-validation;
* one bootstrap run of the two main specifications, (1) ridge and (2) ridge +
  exact municipality, on all 331 columns (Tabel 4.1-4.7, Figur 4.1-4.3);
* one bootstrap run of the 14 specifications of chapter 5 (kernel, IPW,
  probit, rectangular kernel) on the employment outcome (Tabel 5.2-5.4).

Numbers are for the pooled sample; the gender subsamples cost about half
each. Small matrix products are slow with multi-threaded OpenBLAS on a busy
machine: compare with ``OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/psm_speed.py``.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis import psm  # noqa: E402

N1, N0 = 412, 2229
KOMMUNER = ["Aabenraa", "Egedal", "Faxe", "Fredericia", "Haderslev", "Høje-Taastrup", "Kerteminde", "Odder",
            "Ringsted", "Rudersdal", "Thisted"]


def synthetic(seed: int = 1) -> tuple[np.ndarray, pd.DataFrame, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = N1 + N0
    kom = rng.choice(KOMMUNER, n)
    cols = {f"kom_{k}": (kom == k).astype(float) for k in KOMMUNER[:-1]}  # Thisted is the reference
    for j in range(24):
        cols[f"lag_{j}"] = (rng.random(n) < 0.2 + 0.02 * (j % 10)).astype(float)
    for j in range(21):
        cols[f"x_{j}"] = rng.normal(size=n)
    X = pd.DataFrame(cols)
    eta = X.to_numpy() @ rng.normal(0, 0.25, X.shape[1])
    # exactly N1 treated, chosen with probability increasing in eta
    treated_idx = np.argsort(eta + rng.gumbel(size=n))[-N1:]
    t = np.zeros(n, int)
    t[treated_idx] = 1
    weekly = [(rng.random((n, 53)) < 0.05 + 0.1 * rng.random()).astype(float) for _ in range(6)]
    monthly = psm.cumulative_means(rng.random((n, 13)) * 0.3)
    Y = np.column_stack(weekly + [monthly])
    return t, X, Y, kom


def main(n_boot: int) -> None:
    t, X, Y, kom = synthetic()
    print(f"n = {len(t)} ({t.sum()} treated), {X.shape[1]} covariates, {Y.shape[1]} outcome columns, "
          f"{n_boot} bootstrap replications; OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")

    start = time.perf_counter()
    ps = psm.fit_propensity(t, X)
    psm.fit_propensity(t, X, link="probit")
    fit = time.perf_counter() - start
    start = time.perf_counter()
    for exact in (False, True):
        psm.cv_bandwidth(t, ps.score, Y[:, -1], method="ridge", cells=kom if exact else None)
    cv = time.perf_counter() - start
    print(f"full-sample logit + probit fits: {fit:6.2f} s;  two ridge bandwidth CVs (50-point grid): {cv:6.2f} s")

    main_specs = {"(1)": psm.MatchingSpec("ridge"), "(2)": psm.MatchingSpec("ridge", exact=True)}
    start = time.perf_counter()
    res = psm.estimate_att(t, X, Y, main_specs, cells=kom, cv_outcome=Y[:, -1], n_boot=n_boot, seed=1)
    main_time = time.perf_counter() - start
    print(f"main specs (1)-(2) x {Y.shape[1]} columns, incl. fits and CV: {main_time:6.2f} s "
          f"({1000 * main_time / max(n_boot, 1):.1f} ms per replication); bandwidths "
          f"{res.bandwidths['(1)']:.3f} / {res.bandwidths['(2)']:.3f}")

    robust = {}
    for link in psm.LINKS:
        for kernel in psm.KERNELS:
            for method in ("ridge", "kernel"):
                for exact in (False, True):
                    if link == "probit" and kernel == "uniform":
                        continue
                    robust[(link, kernel, method, exact)] = psm.MatchingSpec(method, kernel=kernel, link=link,
                                                                             exact=exact)
        robust[(link, "ipw")] = psm.MatchingSpec("ipw", link=link)
    start = time.perf_counter()
    psm.estimate_att(t, X, Y[:, -1], robust, cells=kom, cv_outcome=Y[:, -1], n_boot=n_boot, seed=2)
    robust_time = time.perf_counter() - start
    print(f"chapter 5: {len(robust)} specs x 1 column, incl. fits and CV: {robust_time:6.2f} s "
          f"({1000 * robust_time / max(n_boot, 1):.1f} ms per replication)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
