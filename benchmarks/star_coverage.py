"""Monte Carlo check of the STAR note's trial estimates on their synthetic data-generating process.

For draws (seeds) of ``analysis.synthetic.star``, estimate every comparison of
``star.TRIAL_SPECS`` as the note does (``star.estimate``: OLS with site dummies, age and gender,
HC1 standard errors) and compare with the true effect (``star.true_effect``). Prints, per
comparison: the true effect, bias (mean estimate − truth) with its Monte Carlo SE, the SD of the
estimates against the mean SE, and the share of 95 % intervals covering the truth.

    .venv/bin/python benchmarks/star_coverage.py [--draws 200] [--first-seed 1]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # small regressions: threads only cost time
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from analysis.synthetic import star  # noqa: E402


def coverage(seeds) -> pd.DataFrame:
    rows = {s["key"]: [] for s in star.TRIAL_SPECS}
    for seed in seeds:
        d = star.generate(seed)
        for key, r in star.estimate_all(d).items():
            truth = star.true_effect(d.meta, star.SPEC_BY_KEY[key])
            rows[key].append((truth, r.estimate, r.se, r.ci_low <= truth <= r.ci_high))
    out = []
    for key, v in rows.items():
        a = np.array(v, dtype=float)
        err = a[:, 1] - a[:, 0]
        out.append({"key": key, "truth": a[:, 0].mean(), "bias": err.mean(),
                    "mc_se": err.std(ddof=1) / np.sqrt(len(a)), "sd_estimate": a[:, 1].std(ddof=1),
                    "mean_se": a[:, 2].mean(), "coverage": a[:, 3].mean()})
    return pd.DataFrame(out).set_index("key")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=200)
    ap.add_argument("--first-seed", type=int, default=1)
    args = ap.parse_args(argv)
    t = time.time()
    tab = coverage(range(args.first_seed, args.first_seed + args.draws))
    with pd.option_context("display.width", 140):
        print(tab.round(4).to_string())
    print(f"{args.draws} draws in {time.time() - t:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
