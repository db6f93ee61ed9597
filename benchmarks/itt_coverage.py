"""Monte Carlo check of the OtO ITT and participation (Bloom) estimators on their synthetic
data-generating process.

For draws (seeds) 1..N of ``analysis.synthetic.oto``, estimate each outcome's ITT with the
report's specification (``oto.ITT_SPECS``) and its participation effect with the report's
Bloom correction (ITT estimate and CI limits divided by the family take-up share, 62/132),
and compare with the true effects built into the generator:

* ``itt``: truth ``oto.TRUE_ITT`` (the effect of the offer, averaged over offered units);
* ``participation``: truth ``oto.TRUE_PARTICIPATION`` (the mean effect on units of accepting
  families, the only units the generator affects). ``target`` is what the Bloom estimator is
  unbiased for by construction, ``oto.BLOOM_TARGET`` = TRUE_ITT / (62/132): equal to the truth
  for family outcomes, 1-5 % larger in size for person outcomes, whose share of accepting units
  (``oto.ACCEPT_SHARE``) is above the family share (see the generator's docstring).

Reported per outcome and estimand: bias (mean estimate − truth) with its Monte Carlo standard
error and in MC SEs, the same against ``target``, mean SE against the SD of the estimates, and
the share of 95 % confidence intervals that cover the truth.

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

from analysis.rct import bloom_participation, itt_effect, take_up_share  # noqa: E402
from analysis.synthetic import oto  # noqa: E402


def simulate(draws: int = 200, outcomes=None, first_seed: int = 1, alpha: float = 0.05) -> pd.DataFrame:
    """One row per (seed, outcome, estimand): estimate, se, ci_low, ci_high, truth, target, covered.
    ``estimand`` is 'itt' or 'participation' (Bloom: ITT / take-up share, se likewise)."""
    outcomes = list(outcomes or oto.ITT_SPECS)
    need_family = any(oto.ITT_SPECS[o]["unit"] == "family" for o in outcomes)
    rows = []
    for seed in range(first_seed, first_seed + draws):
        data = oto.generate(seed)
        fam = oto.family_frame(data) if need_family else None
        a = take_up_share(data.families)
        for outcome in outcomes:
            frame, kw = oto.itt_inputs(data, outcome, fam)
            e = itt_effect(frame, outcome, alpha=alpha, **kw)
            p = bloom_participation(e, a)
            for estimand, est, se, lo, hi, truth, target in (
                    ("itt", e.estimate, e.se, e.ci_low, e.ci_high, oto.TRUE_ITT[outcome], oto.TRUE_ITT[outcome]),
                    ("participation", p.estimate, e.se / a, p.ci_low, p.ci_high,
                     oto.TRUE_PARTICIPATION[outcome], oto.BLOOM_TARGET[outcome])):
                rows.append({"seed": seed, "outcome": outcome, "estimand": estimand, "estimate": est,
                             "se": se, "ci_low": lo, "ci_high": hi, "truth": truth, "target": target,
                             "covered": bool(lo <= truth <= hi)})
    return pd.DataFrame(rows)


def summarise(sims: pd.DataFrame) -> pd.DataFrame:
    """Per (outcome, estimand): draws, truth, target, mean estimate, bias (vs truth), MC SE of the
    mean, bias in MC SEs, (mean − target) in MC SEs, SD of estimates, mean SE, coverage of the
    truth and its binomial MC SE."""
    g = sims.groupby(["outcome", "estimand"], sort=False)
    out = pd.DataFrame({
        "draws": g.size(),
        "truth": g["truth"].first(),
        "target": g["target"].first(),
        "mean_estimate": g["estimate"].mean(),
        "sd_estimate": g["estimate"].std(ddof=1),
        "mean_se": g["se"].mean(),
        "coverage": g["covered"].mean(),
    })
    out["bias"] = out["mean_estimate"] - out["truth"]
    out["mc_se"] = out["sd_estimate"] / np.sqrt(out["draws"])
    out["bias_in_mc_se"] = out["bias"] / out["mc_se"]
    out["vs_target_in_mc_se"] = (out["mean_estimate"] - out["target"]) / out["mc_se"]
    out["coverage_mc_se"] = np.sqrt(out["coverage"] * (1 - out["coverage"]) / out["draws"])
    return out[["draws", "truth", "target", "mean_estimate", "bias", "mc_se", "bias_in_mc_se",
                "vs_target_in_mc_se", "sd_estimate", "mean_se", "coverage", "coverage_mc_se"]]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--draws", type=int, default=200)
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--outcomes", default="", help="comma-separated; default all 14")
    args = ap.parse_args(argv)
    outcomes = [o for o in args.outcomes.split(",") if o] or None
    t0 = time.perf_counter()
    table = summarise(simulate(args.draws, outcomes, args.first_seed))
    with pd.option_context("display.width", 220, "display.max_columns", 20):
        print(table.to_string(float_format=lambda x: f"{x:.4g}"))
    print(f"\n{args.draws} draws in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
