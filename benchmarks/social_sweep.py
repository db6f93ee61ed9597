"""Seed sweep of the Social støtte estimators: bias and 95 % coverage against the generator's truth.

For every seed: draw the synthetic data, match (CEM), and estimate the Cox hazard ratios
(virksomhedsrettet indsats, unsupported employment) and the weighted-OLS degree effects for
both horizons (analysis.synthetic.social.headline_estimates). Prints, per estimate, the mean
error, its Monte Carlo SE, the mean error in units of the estimate's own SE and the coverage of
the 95 % CI.

    .venv/bin/python benchmarks/social_sweep.py [--seeds 1-100] [--jobs 2]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("OMP_NUM_THREADS", "1")


def one(seed: int) -> list[dict]:
    from analysis.synthetic import social as S

    return [dict(r, seed=seed) for r in S.headline_estimates(S.generate(seed))]


def sweep(seeds, jobs: int = 1) -> pd.DataFrame:
    if jobs > 1:
        with ProcessPoolExecutor(jobs) as ex:
            rows = [r for rs in ex.map(one, seeds) for r in rs]
    else:
        rows = [r for s in seeds for r in one(s)]
    return pd.DataFrame(rows)


def summary(df: pd.DataFrame) -> pd.DataFrame:
    df = df.assign(err=df["estimate"] - df["truth"],
                   cover=(np.abs(df["estimate"] - df["truth"]) <= 1.96 * df["se"]).astype(float))
    g = df.groupby(["horizon", "outcome", "kind"], sort=False)
    return pd.DataFrame({"n": g.size(), "mean_error": g["err"].mean(),
                         "mc_se": g["err"].std(ddof=1) / np.sqrt(g.size()),
                         "error_in_se": g.apply(lambda x: (x["err"] / x["se"]).mean()),
                         "coverage": g["cover"].mean()})


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="1-100")
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args(argv)
    lo, hi = map(int, a.seeds.split("-"))
    t0 = time.perf_counter()
    res = summary(sweep(range(lo, hi + 1), a.jobs))
    with pd.option_context("display.width", 160, "display.float_format", "{:.4f}".format):
        print(res)
    print(f"{hi - lo + 1} seeds in {time.perf_counter() - t0:.0f} s "
          "(Cox rows: log hazard ratio; ols rows: difference in the share of weeks)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
