"""Monte Carlo check of the OtO ITT estimator on its synthetic data-generating process.

For draws (seeds) 1..N of ``analysis.synthetic.oto``, estimate each outcome's ITT
with the report's specification (``oto.ITT_SPECS``) and compare with the true
effect built into the generator: bias (mean estimate − truth) with its Monte
Carlo standard error, mean SE against the SD of the estimates, and the share of
95 % confidence intervals that cover the truth.

    .venv/bin/python benchmarks/itt_coverage.py [--draws 200] [--outcomes a,b] [--first-seed 1]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.rct import itt_effect  # noqa: E402
from analysis.synthetic import oto  # noqa: E402


def simulate(draws: int = 200, outcomes=None, first_seed: int = 1, alpha: float = 0.05) -> pd.DataFrame:
    """One row per (seed, outcome): estimate, se, ci_low, ci_high, truth, covered."""
    outcomes = list(outcomes or oto.ITT_SPECS)
    need_family = any(oto.ITT_SPECS[o]["unit"] == "family" for o in outcomes)
    rows = []
    for seed in range(first_seed, first_seed + draws):
        data = oto.generate(seed)
        fam = oto.family_frame(data) if need_family else None
        for outcome in outcomes:
            frame, kw = oto.itt_inputs(data, outcome, fam)
            e = itt_effect(frame, outcome, alpha=alpha, **kw)
            truth = oto.TRUE_ITT[outcome]
            rows.append({"seed": seed, "outcome": outcome, "estimate": e.estimate, "se": e.se,
                         "ci_low": e.ci_low, "ci_high": e.ci_high, "truth": truth,
                         "covered": bool(e.ci_low <= truth <= e.ci_high)})
    return pd.DataFrame(rows)


def summarise(sims: pd.DataFrame) -> pd.DataFrame:
    """Per outcome: draws, truth, mean estimate, bias, MC SE of the mean, bias in MC SEs,
    SD of estimates, mean SE, coverage and its binomial MC SE."""
    g = sims.groupby("outcome", sort=False)
    out = pd.DataFrame({
        "draws": g.size(),
        "truth": g["truth"].first(),
        "mean_estimate": g["estimate"].mean(),
        "sd_estimate": g["estimate"].std(ddof=1),
        "mean_se": g["se"].mean(),
        "coverage": g["covered"].mean(),
    })
    out["bias"] = out["mean_estimate"] - out["truth"]
    out["mc_se"] = out["sd_estimate"] / np.sqrt(out["draws"])
    out["bias_in_mc_se"] = out["bias"] / out["mc_se"]
    out["coverage_mc_se"] = np.sqrt(out["coverage"] * (1 - out["coverage"]) / out["draws"])
    return out[["draws", "truth", "mean_estimate", "bias", "mc_se", "bias_in_mc_se", "sd_estimate",
                "mean_se", "coverage", "coverage_mc_se"]]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--draws", type=int, default=200)
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--outcomes", default="", help="comma-separated; default all 14")
    args = ap.parse_args(argv)
    outcomes = [o for o in args.outcomes.split(",") if o] or None
    t0 = time.perf_counter()
    table = summarise(simulate(args.draws, outcomes, args.first_seed))
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.to_string(float_format=lambda x: f"{x:.4g}"))
    print(f"\n{args.draws} draws in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
