"""Monte Carlo check of the OtO ITT and participation (Bloom) estimators on their synthetic
data-generating process.

For draws (seeds) ``first .. first + N - 1`` of ``analysis.synthetic.oto``, estimate each outcome's
ITT with the report's specification (``oto.ITT_SPECS``) and its participation effect with the
report's Bloom correction (ITT estimate and CI limits divided by the family take-up share, 62/132),
and compare with the true effects built into the generator:

* ``itt``: truth ``oto.TRUE_ITT`` (the effect of the offer, averaged over offered units);
* ``participation``: truth ``oto.TRUE_PARTICIPATION`` (the mean effect on units of accepting
  families, the only units the generator affects). ``target`` is what the Bloom estimator is
  unbiased for by construction, ``oto.BLOOM_TARGET`` = TRUE_ITT / (62/132): equal to the truth
  for family outcomes, 1-5 % larger in size for person outcomes, whose share of accepting units
  (``oto.ACCEPT_SHARE``) is above the family share (see the generator's docstring);
* ``itt_winsorised`` (expenditure outcomes, ``--winsorise Q``): the report's robustness result,
  :func:`analysis.rct.winsorised_itt_effect` (the same regression on the cost capped at its pooled
  Q-quantile). Its truth is the effect on costs capped at the *population* Q-quantile,
  E[min(Y1, c) - min(Y0, c)] over offered families, computed by :func:`winsorised_truth` from
  both potential outcomes of ``--truth-draws`` other draws (seeds from 100001; the generator's
  random stream does not depend on the effects, so ``generate(seed, effects=0)`` is the same
  draw untreated);
* ``itt_unadjusted`` (expenditure outcomes, ``--unadjusted``): the ITT without the 2018 cost
  covariate, to measure what the adjustment does (``adjustment`` table: mean of adjusted minus
  unadjusted estimate per draw, paired, with its Monte Carlo SE, in % of the true effect).

Reported per outcome and estimand: bias (mean estimate − truth) with its Monte Carlo standard
error and in MC SEs, the same against ``target``, mean SE against the SD of the estimates, and
the share of 95 % confidence intervals that cover the truth (with its binomial MC SE).

    .venv/bin/python benchmarks/itt_coverage.py [--draws 200] [--outcomes a,b] [--first-seed 1]
        [--winsorise 0.95] [--unadjusted] [--truth-draws 2000] [--workers 2] [--out FILE.md]
        [--json FILE.json]
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.rct import bloom_participation, itt_effect, take_up_share, winsorised_itt_effect  # noqa: E402
from analysis.synthetic import oto  # noqa: E402

COST_OUTCOMES = ("exp_social_out", "exp_employ_out", "exp_total_out")
TRUTH_FIRST_SEED = 100_001


def _map(fn, items, workers: int = 1):
    """``map(fn, items)`` in order, in ``workers`` forked processes (results do not depend on it)."""
    items = list(items)
    if workers <= 1:
        return [fn(i) for i in items]
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(fn, items, chunksize=max(1, len(items) // (8 * workers))))


def _potential_outcomes(seed: int, outcomes=COST_OUTCOMES):
    """One draw: the observed cost of every family, and both potential costs of the offered ones."""
    zero = {k: 0.0 for k in oto.TRUE_ITT}
    f1 = oto.family_frame(oto.generate(seed))
    f0 = oto.family_frame(oto.generate(seed, effects=zero))
    off = f1["offer"].to_numpy() == 1
    return ({k: f1[k].to_numpy() for k in outcomes},
            {k: (f1[k].to_numpy()[off], f0[k].to_numpy()[off]) for k in outcomes})


def winsorised_truth(quantile: float, draws: int = 2000, first_seed: int = TRUTH_FIRST_SEED,
                     outcomes=COST_OUTCOMES, workers: int = 1) -> dict:
    """Per cost outcome: the population cap (``quantile`` of the pooled observed outcome of all
    families) and the effect of the offer on the capped outcome, mean over offered families of
    min(Y1, cap) - min(Y0, cap), from both potential outcomes of ``draws`` draws; with the Monte
    Carlo SE of that mean (draws as independent clusters)."""
    pooled = {k: [] for k in outcomes}
    pairs = {k: [] for k in outcomes}
    for seed_pooled, seed_pairs in _map(partial(_potential_outcomes, outcomes=tuple(outcomes)),
                                        range(first_seed, first_seed + draws), workers):
        for k in outcomes:
            pooled[k].append(seed_pooled[k])
            pairs[k].append(seed_pairs[k])
    out = {}
    for k in outcomes:
        cap = float(np.quantile(np.concatenate(pooled[k]), quantile))
        per_draw = np.array([np.mean(np.minimum(y1, cap) - np.minimum(y0, cap)) for y1, y0 in pairs[k]])
        raw = np.array([np.mean(y1 - y0) for y1, y0 in pairs[k]])
        out[k] = {"cap": cap, "effect": float(per_draw.mean()),
                  "mc_se": float(per_draw.std(ddof=1) / np.sqrt(draws)), "raw_effect": float(raw.mean()),
                  "quantile": quantile, "draws": draws}
    return out


def simulate(draws: int = 200, outcomes=None, first_seed: int = 1, alpha: float = 0.05,
             winsorise: float | None = None, truth: dict | None = None, unadjusted: bool = False,
             workers: int = 1) -> pd.DataFrame:
    """One row per (seed, outcome, estimand): estimate, se, ci_low, ci_high, truth, target, covered.
    ``estimand`` is 'itt', 'participation' (Bloom: ITT / take-up share, se likewise) and, for the
    cost outcomes, 'itt_winsorised' (with ``winsorise`` and its ``truth`` from
    :func:`winsorised_truth`) and 'itt_unadjusted' (with ``unadjusted``)."""
    outcomes = list(outcomes or oto.ITT_SPECS)
    need_family = any(oto.ITT_SPECS[o]["unit"] == "family" for o in outcomes)
    if winsorise is not None and truth is None:
        raise ValueError("winsorise needs the truth from winsorised_truth()")
    one = partial(_draw_rows, outcomes=outcomes, need_family=need_family, alpha=alpha, winsorise=winsorise,
                  truth=truth, unadjusted=unadjusted)
    return pd.DataFrame([r for rows in _map(one, range(first_seed, first_seed + draws), workers) for r in rows])


def _draw_rows(seed, outcomes, need_family, alpha, winsorise, truth, unadjusted) -> list[dict]:
    """The rows of :func:`simulate` for one draw."""
    rows = []

    def add(seed, outcome, estimand, est, se, lo, hi, truth_, target):
        rows.append({"seed": seed, "outcome": outcome, "estimand": estimand, "estimate": est, "se": se,
                     "ci_low": lo, "ci_high": hi, "truth": truth_, "target": target,
                     "covered": bool(lo <= truth_ <= hi)})

    data = oto.generate(seed)
    fam = oto.family_frame(data) if need_family else None
    a = take_up_share(data.families)
    for outcome in outcomes:
        frame, kw = oto.itt_inputs(data, outcome, fam)
        e = itt_effect(frame, outcome, alpha=alpha, **kw)
        p = bloom_participation(e, a)
        add(seed, outcome, "itt", e.estimate, e.se, e.ci_low, e.ci_high, oto.TRUE_ITT[outcome],
            oto.TRUE_ITT[outcome])
        add(seed, outcome, "participation", p.estimate, e.se / a, p.ci_low, p.ci_high,
            oto.TRUE_PARTICIPATION[outcome], oto.BLOOM_TARGET[outcome])
        if outcome not in COST_OUTCOMES:
            continue
        if winsorise is not None:
            w = winsorised_itt_effect(frame, outcome, quantile=winsorise, alpha=alpha, **kw).effect
            tw = truth[outcome]["effect"]
            add(seed, outcome, "itt_winsorised", w.estimate, w.se, w.ci_low, w.ci_high, tw, tw)
        if unadjusted:
            u = itt_effect(frame, outcome, alpha=alpha, **{**kw, "covariates": []})
            add(seed, outcome, "itt_unadjusted", u.estimate, u.se, u.ci_low, u.ci_high,
                oto.TRUE_ITT[outcome], oto.TRUE_ITT[outcome])
    return rows


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


def adjustment(sims: pd.DataFrame) -> pd.DataFrame:
    """Per cost outcome with 'itt_unadjusted' rows: bias of the adjusted and the unadjusted ITT and
    of their difference (paired by draw), each with its MC SE and in % of the true effect."""
    rows = []
    for outcome, g in sims[sims["estimand"].isin(["itt", "itt_unadjusted"])].groupby("outcome", sort=False):
        w = g.pivot(index="seed", columns="estimand", values="estimate")
        if "itt_unadjusted" not in w:
            continue
        truth = oto.TRUE_ITT[outcome]
        n = len(w)
        for label, x in (("adjusted", w["itt"] - truth), ("unadjusted", w["itt_unadjusted"] - truth),
                         ("adjusted - unadjusted", w["itt"] - w["itt_unadjusted"])):
            m, se = float(x.mean()), float(x.std(ddof=1) / np.sqrt(n))
            rows.append({"outcome": outcome, "quantity": label, "draws": n, "mean": m, "mc_se": se,
                         "pct_of_effect": 100 * m / abs(truth), "pct_mc_se": 100 * se / abs(truth)})
    return pd.DataFrame(rows)


DISPLAY = {"itt": "ITT", "participation": "deltagelse (Bloom)", "itt_winsorised": "ITT, winsoriseret",
           "itt_unadjusted": "ITT uden 2018-udgift"}


def coverage_markdown(table: pd.DataFrame) -> str:
    """The coverage table as a pipe table (outcome, estimand, draws, truth, bias in % of the truth and
    in MC SE, SE/SD, coverage ± MC SE)."""
    lines = ["| udfald | estimand | træk | sand effekt | bias, % af effekt | bias / MC SE | SE/SD | dækning |",
             "|---|---|---|---|---|---|---|---|"]
    for (outcome, est), r in table.iterrows():
        pct = 100 * r["bias"] / abs(r["truth"]) if r["truth"] != 0 else float("nan")
        lines.append(f"| {outcome} | {DISPLAY.get(est, est)} | {int(r['draws'])} | {r['truth']:.4g} | "
                     f"{pct:.1f} | {r['bias_in_mc_se']:.2f} | {r['mean_se'] / r['sd_estimate']:.3f} | "
                     f"{r['coverage']:.3f} ± {r['coverage_mc_se']:.3f} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--draws", type=int, default=200)
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--outcomes", default="", help="comma-separated; default all 14")
    ap.add_argument("--winsorise", type=float, default=None, help="add the winsorised cost ITT at this quantile")
    ap.add_argument("--truth-draws", type=int, default=2000, help="draws behind the winsorised truth")
    ap.add_argument("--unadjusted", action="store_true", help="add the cost ITT without the 2018 covariate")
    ap.add_argument("--workers", type=int, default=1, help="forked processes (same numbers for any number)")
    ap.add_argument("--out", type=Path, help="also write the figures (markdown) to this file")
    ap.add_argument("--json", type=Path, help="also write the tables (JSON, read by the OtO report)")
    args = ap.parse_args(argv)
    outcomes = [o for o in args.outcomes.split(",") if o] or None
    t0 = time.perf_counter()
    text = [f"# OtO Monte Carlo: {args.draws} draws (seeds {args.first_seed}-{args.first_seed + args.draws - 1})", ""]
    truth = None
    if args.winsorise is not None:
        truth = winsorised_truth(args.winsorise, args.truth_draws, workers=args.workers)
        text += [f"Winsorised truth from {args.truth_draws} other draws (seeds {TRUTH_FIRST_SEED}-"
                 f"{TRUTH_FIRST_SEED + args.truth_draws - 1}), both potential outcomes, cap = population "
                 f"{args.winsorise:g}-quantile of the pooled outcome:", "",
                 "| outcome | cap (kr) | effect on capped cost (kr) | MC SE | effect on uncapped cost (kr) |",
                 "|---|---|---|---|---|"]
        text += [f"| {k} | {v['cap']:.0f} | {v['effect']:.0f} | {v['mc_se']:.0f} | {v['raw_effect']:.0f} |"
                 for k, v in truth.items()] + [""]
    sims = simulate(args.draws, outcomes, args.first_seed, winsorise=args.winsorise, truth=truth,
                    unadjusted=args.unadjusted, workers=args.workers)
    table = summarise(sims)
    text += ["## Coverage of the 95 % intervals", "", coverage_markdown(table), ""]
    if args.unadjusted:
        adj = adjustment(sims)
        text += ["## Adjustment for the 2018 costs (paired by draw)", "",
                 "| outcome | quantity | draws | mean (kr) | MC SE (kr) | % of effect | MC SE (%-points) |",
                 "|---|---|---|---|---|---|---|"]
        text += [f"| {r.outcome} | {r.quantity} | {r.draws} | {r.mean:.0f} | {r.mc_se:.0f} | "
                 f"{r.pct_of_effect:.1f} | {r.pct_mc_se:.1f} |" for r in adj.itertuples()] + [""]
    text.append(f"{args.draws} draws in {time.perf_counter() - t0:.0f} s (benchmarks/itt_coverage.py).")
    with pd.option_context("display.width", 220, "display.max_columns", 20):
        print(table.to_string(float_format=lambda x: f"{x:.4g}"))
    print("\n".join(text))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("\n".join(text) + "\n", encoding="utf-8")
    if args.json:
        doc = {"script": "benchmarks/itt_coverage.py", "draws": args.draws,
               "seeds": [args.first_seed, args.first_seed + args.draws - 1], "winsorise": args.winsorise,
               "coverage": table.reset_index().to_dict(orient="records"),
               "adjustment": adjustment(sims).to_dict(orient="records") if args.unadjusted else [],
               "winsorised_truth": truth or {}}
        args.json.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
