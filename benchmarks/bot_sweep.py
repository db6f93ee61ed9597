"""Seed sweep of the BOT matching estimators against the true effects of the synthetic data.

For seeds ``first .. first + n - 1`` of ``analysis.synthetic.bot`` every estimator of the report
(:data:`SPECS`: (1)-(5) with the logit score, (1)-(5) with the probit score, (1)-(4) with the
rectangular kernel; common support ``"minmax"`` as in the report) is computed, without bootstrap,
on every estimation sample of the report (main sample, full follow-up sample, start cohorts I and
II, unrestricted population; the whole sample, and with ``--groups alle,maend,kvinder`` also men
and women, re-estimated within the group as the report does) for every outcome whose true effect
the generator records (``meta["sample_att"]``: the realised mean of Y(1) - Y(0) over the
participants of that sample, so each draw is compared with its own truth): the Jan-Jul 2019
shares, the sector outcomes, the weeks 0-52 shares, the cumulative months 0-12 and (all) the
weekly profiles of ten outcomes. Zero-effect outcomes (SU, public løntilskud, weekly SU) are
included. The propensity model has both benefit dummies (quasi-separation handled by
:func:`analysis.psm.fit_propensity`); the variant ``<spec>/uden kh`` repeats (1), (2) and (5) with
the kontanthjælp dummy dropped, as the report did before issue 13, to show the bias this caused.

Per (sample, group, estimator, outcome): bias = mean(estimate - truth) over the seeds, its Monte
Carlo SE (SD / sqrt(seeds)) and z = bias / MC SE. Printed: the zero-effect outcomes, the headline
outcomes per estimator, the worst cells, and the distribution of z over all cells (under no bias
about N(0, 1); cells are correlated, e.g. neighbouring weeks). ``--out`` also writes the printed
figures to a file, ``--json`` the figures the BOT report cites (``benchmarks/bot_sweep.md`` and
``.json`` are committed).

    nice .venv/bin/python benchmarks/bot_sweep.py --seeds 100 [--first-seed 1001] [--workers 2]
        [--groups alle] [--raw FILE.csv] [--out benchmarks/bot_sweep.md] [--json benchmarks/bot_sweep.json]
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

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy import stats  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis import psm  # noqa: E402
from analysis.synthetic import bot  # noqa: E402

_BASIS = {"1": ("ridge", False), "2": ("ridge", True), "3": ("kernel", False), "4": ("kernel", True),
          "5": ("ipw", False)}
#: The report's 14 estimators (Tabel 4.1-4.7 use (1)-(2); chapter 5 all).
SPECS: dict[str, psm.MatchingSpec] = {
    **{k: psm.MatchingSpec(m, exact=x, bandwidth="cv", support="minmax") for k, (m, x) in _BASIS.items()},
    **{f"p{k}": psm.MatchingSpec(m, exact=x, link="probit", bandwidth="cv", support="minmax")
       for k, (m, x) in _BASIS.items()},
    **{f"u{k}": psm.MatchingSpec(m, exact=x, kernel="uniform", bandwidth="cv", support="minmax")
       for k, (m, x) in _BASIS.items() if k in "1234"},
}
#: Estimators repeated with the propensity model of report version 1.0.0 (kontanthjælp dummy dropped).
OLD_MODEL_SPECS = ("1", "2", "5")
OUTCOMES_2019 = ["ordinary_employment_2019", "self_support_2019", "su_2019"] + [
    f"sector_{k}_2019" for k in bot.SECTOR_OUTCOMES]
SHARES_0_52 = ["guidance", "education_activation", "placement_private", "placement_public",
               "wage_subsidy_private", "wage_subsidy_public", "igu", "self_support", "ordinary_employment"]
GROUPS = {"alle": None, "maend": 1, "kvinder": 0}
#: The committed sweep: the whole samples (the gender subgroups re-estimate everything and triple the
#: CPU time; ``--groups alle,maend,kvinder`` runs them too).
DEFAULT_GROUPS = ("alle",)
#: Estimation samples: "main" (Jan-Jul 2019 shares and sectors; both propensity models), "fu" (full
#: follow-up: weeks 0-52 shares and, for the whole sample, the weekly profiles), "cohorts" (start
#: cohorts I and II), "unrestricted" (Tabel 5.1) and "months" (cumulative months 0-12, one sample per
#: follow-up length). The committed sweep runs the first two, which hold every outcome the generator
#: knows the effect of except the cumulative months (sums of the weekly employment profile); the
#: other three repeat ordinary employment on other samples and cost twice the CPU time.
SAMPLES = ("main", "fu", "cohorts", "unrestricted", "months")
DEFAULT_SAMPLES = ("main", "fu")


def _rows_with_treated_cells(rows, t, kom):
    """As the report: leave out residents of municipalities without participants in the group."""
    return rows[np.isin(kom[rows], np.unique(kom[rows][t[rows] == 1]))]


def _estimate(t, X, Y, rows, kom, cv, specs) -> pd.DataFrame:
    r = _rows_with_treated_cells(rows, t, kom)
    Y = Y.loc[:, Y.iloc[r].notna().all().to_numpy()]  # weeks not observed for everybody (as the report)
    res = psm.estimate_att(t[r], X.iloc[r].reset_index(drop=True), Y.iloc[r].reset_index(drop=True), specs,
                           cells=kom[r], cv_outcome=cv[r], n_boot=0)
    return res.frame[["spec", "column", "att", "n_treated", "n_treated_on_support"]]


def seed_rows(seed: int, groups=DEFAULT_GROUPS, samples=DEFAULT_SAMPLES) -> pd.DataFrame:
    """All estimates of one draw with their truths: seed, sample, group, spec, outcome, estimate,
    truth, n_treated, n_on_support; for the ``groups`` of :data:`GROUPS` and the ``samples`` of
    :data:`SAMPLES`."""
    unknown = set(samples) - set(SAMPLES)
    if unknown:
        raise ValueError(f"unknown samples: {sorted(unknown)}")
    data = bot.generate(seed)
    truth = data.meta["sample_att"]
    T = bot.treatment(data)
    X_new = bot.covariates(data, "ps")
    X_old = X_new.drop(columns=["social_assistance_w1"])
    kom, male = bot.municipality(data), bot.gender(data)
    af = bot.analysis_frame(data).reset_index(drop=True)
    cv = af["ordinary_employment_2019"].to_numpy()
    coh = bot.start_cohort(data)
    ff = coh["full_followup"].to_numpy()
    kum = bot.cumulative_months(data) if "months" in samples else None
    y_main = af[OUTCOMES_2019]
    y_ff = pd.DataFrame({f"{k}_0_52": bot.share_0_52(data, k) for k in SHARES_0_52})
    weekly = {k: bot.weekly_outcome(data, k) for k in truth["weekly_0_52"]}
    y_week = pd.DataFrame({f"{k}_w{j}": w[:, j] for k, w in weekly.items() for j in range(53)})
    if "unrestricted" in samples:
        u = bot.analysis_mask(data, "unrestricted")
        t_u, kom_u, male_u = bot.treatment(data, u), bot.municipality(data, u), bot.gender(data, u)
        x_u = bot.covariates(data, "ps", u)
        y_u = pd.DataFrame({"ordinary_employment_2019": bot.window_2019(data, "ordinary_employment", u)})
    old_specs = {f"{k}/uden kh": SPECS[k] for k in OLD_MODEL_SPECS}

    out = []

    def add(frame, sample, group, key=lambda c: c):
        f = frame.assign(sample=sample, group=group, outcome=[key(c) for c in frame["column"]])
        out.append(f)

    for g in groups:
        m = GROUPS[g]
        sel = np.ones(len(T), bool) if m is None else male == m
        if "main" in samples:
            add(_estimate(T, X_new, y_main, np.flatnonzero(sel), kom, cv, SPECS), "main", g)
            add(_estimate(T, X_old, y_main, np.flatnonzero(sel), kom, cv, old_specs), "main", g)
        if "fu" in samples:
            ycols = pd.concat([y_ff, y_week], axis=1) if g == "alle" else y_ff
            add(_estimate(T, X_new, ycols, np.flatnonzero(sel & ff), kom, cv, SPECS), "fu", g)
        for name in ("cohort_i", "cohort_ii") if "cohorts" in samples else ():
            yc = y_main[["ordinary_employment_2019"]].assign(igu_0_52=y_ff["igu_0_52"])
            if name == "cohort_i":
                yc = yc[["ordinary_employment_2019"]]
            add(_estimate(T, X_new, yc, np.flatnonzero(sel & coh[name].to_numpy()), kom, cv, SPECS), name, g)
        if "unrestricted" in samples:
            su = np.ones(len(t_u), bool) if m is None else male_u == m
            add(_estimate(t_u, x_u, y_u, np.flatnonzero(su), kom_u, y_u.iloc[:, 0].to_numpy(), SPECS),
                "unrestricted", g)
        if "months" not in samples:
            continue
        # cumulative months 0-12: each missingness pattern is its own sample (as the report)
        r = _rows_with_treated_cells(np.flatnonzero(sel), T, kom)
        f = psm.effects_over_time(T[r], X_new.iloc[r].reset_index(drop=True), kum[r], SPECS,
                                  periods=list(range(13)), period_name="month", cells=kom[r], cv_outcome=cv[r],
                                  n_boot=0)
        f = f.rename(columns={"n_treated_on_support": "n_treated_on_support"}).assign(
            column=[f"ordinary_employment_months_0_{k}" for k in f["month"]], n_treated=np.nan)
        add(f[["spec", "column", "att", "n_treated", "n_treated_on_support"]], "main", g)

    rows = pd.concat(out, ignore_index=True)

    def true_value(r):
        if r.outcome.count("_w") and r.outcome.rsplit("_w", 1)[1].isdigit() and r.sample == "fu":
            k, j = r.outcome.rsplit("_w", 1)
            return truth["weekly_0_52"][k][int(j)]
        key = r.outcome
        if r.sample in ("cohort_i", "cohort_ii", "unrestricted"):
            key = f"{r.outcome}_{r.sample}"
        return truth[key][r.group]

    rows["truth"] = [true_value(r) for r in rows.itertuples()]
    rows["seed"] = seed
    return rows.rename(columns={"att": "estimate", "n_treated_on_support": "n_on_support"})[
        ["seed", "sample", "group", "spec", "outcome", "estimate", "truth", "n_treated", "n_on_support"]]


def simulate(seeds, workers: int = 1, progress=None, groups=DEFAULT_GROUPS,
             samples=DEFAULT_SAMPLES) -> pd.DataFrame:
    """:func:`seed_rows` for every seed, in ``workers`` forked processes (results do not depend on it)."""
    seeds = list(seeds)
    one = partial(seed_rows, groups=tuple(groups), samples=tuple(samples))
    frames = []
    if workers <= 1:
        for i, s in enumerate(seeds):
            frames.append(one(s))
            if progress:
                progress(i + 1, len(seeds))
    else:
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            for i, f in enumerate(pool.map(one, seeds)):
                frames.append(f)
                if progress:
                    progress(i + 1, len(seeds))
    return pd.concat(frames, ignore_index=True)


def summarise(sims: pd.DataFrame) -> pd.DataFrame:
    """Per (sample, group, spec, outcome): seeds, mean truth, mean estimate, bias, MC SE, z."""
    d = sims.assign(err=sims["estimate"] - sims["truth"])
    g = d.groupby(["sample", "group", "spec", "outcome"], sort=False)
    out = pd.DataFrame({"seeds": g["err"].count(), "truth": g["truth"].mean(), "estimate": g["estimate"].mean(),
                        "bias": g["err"].mean(), "sd": g["err"].std(ddof=1)})
    out["mc_se"] = out["sd"] / np.sqrt(out["seeds"])
    # Cells where the estimate equals the truth in every draw up to rounding (e.g. a week before
    # anybody can differ) have no Monte Carlo error: z is left undefined (NaN) rather than a ratio
    # of rounding errors; report() counts them.
    exact = (out["sd"] < 1e-12) & (out["bias"].abs() < 1e-12)
    out["z"] = (out["bias"] / out["mc_se"]).where(~exact)
    return out


def bonferroni_z(cells: int, familywise: float = 0.01) -> float:
    """Two-sided z bound that all of ``cells`` unbiased estimators stay under with probability
    >= 1 - familywise (Bonferroni)."""
    return float(stats.norm.isf(familywise / (2 * cells)))


def markdown_table(frame: pd.DataFrame, digits: int = 4) -> str:
    """A pipe table (numbers with ``digits`` decimals) without the optional tabulate dependency."""
    def cell(v):
        if isinstance(v, (float, np.floating)):
            return f"{v:.{digits}f}"
        return str(v)
    head = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def report(table: pd.DataFrame, seeds: list, elapsed: float) -> str:
    """The printed figures (markdown)."""
    t = table[np.isfinite(table["z"])]
    new = t[~t.index.get_level_values("spec").str.endswith("/uden kh")]
    lines = [f"# BOT seed sweep: {len(seeds)} draws (seeds {seeds[0]}-{seeds[-1]})", "",
             f"Estimators: {', '.join(SPECS)} (support 'minmax'); {len(new)} cells (sample x group x estimator x "
             "outcome), bias = mean(estimate - true sample effect), MC SE = SD / sqrt(draws), z = bias / MC SE.",
             f"Computed in {elapsed / 60:.0f} min by benchmarks/bot_sweep.py.", ""]
    zc = bonferroni_z(len(new))
    n_exact = int(table["z"].isna().sum())
    if n_exact:
        lines += [f"{n_exact} further cells have estimate = truth in every draw (no Monte Carlo error).", ""]
    z = new["z"].to_numpy()
    lines += ["## All cells", "",
              f"- max |z| = {np.max(np.abs(z)):.2f} (Bonferroni bound for {len(new)} cells at 1 %: {zc:.2f})",
              f"- mean z = {z.mean():.3f}, mean z^2 = {np.mean(z ** 2):.3f} (1 if unbiased), "
              f"share |z| > 1.96 = {np.mean(np.abs(z) > 1.96):.3f}, share |z| > 3 = {np.mean(np.abs(z) > 3):.4f}",
              f"- largest |bias| = {new['bias'].abs().max():.4f} (in share points)", ""]

    def fmt(frame, cols=("truth", "estimate", "bias", "mc_se", "z")):
        f = frame.reset_index()[["sample", "group", "spec", "outcome", *cols]]
        return markdown_table(f)

    zero = new[new["truth"].abs() < 1e-12]
    su = t.xs("su_2019", level="outcome", drop_level=False)
    lines += ["## SU (true effect 0): both benefit dummies vs. the kontanthjælp dummy dropped", "", fmt(su), ""]
    lines += [f"## Zero-effect cells ({len(zero)}: SU, public løntilskud, weeks before an effect starts; "
              f"max |z| {zero['z'].abs().max():.2f}, mean z^2 {np.mean(zero['z'] ** 2):.3f}), worst 15 by |z|", "",
              fmt(zero.reindex(zero["z"].abs().sort_values(ascending=False).index).head(15)), ""]
    weekly_su = new[new.index.get_level_values("outcome").str.startswith("su_w")]
    if len(weekly_su):
        lines += [f"Weekly SU, weeks 0-52 x {weekly_su.index.get_level_values('spec').nunique()} estimators: "
                  f"max |bias| {weekly_su['bias'].abs().max():.4f}, max |z| {weekly_su['z'].abs().max():.2f}.", ""]
    head = new.xs(("main", "ordinary_employment_2019"), level=("sample", "outcome"), drop_level=False)
    lines += ["## Ordinary employment Jan-Jul 2019, every estimator", "", fmt(head), ""]
    lines += ["## Worst 20 cells by |z| (both models)", "",
              fmt(t.reindex(t["z"].abs().sort_values(ascending=False).index).head(20)), ""]
    by_spec = new.groupby(level="spec").agg(cells=("z", "size"), max_abs_z=("z", lambda s: s.abs().max()),
                                            mean_z2=("z", lambda s: np.mean(s ** 2)),
                                            max_abs_bias=("bias", lambda s: s.abs().max()))
    lines += ["## Per estimator", "", markdown_table(by_spec.reset_index(), 3), ""]
    return "\n".join(lines)


def headline(table: pd.DataFrame, seeds: list) -> dict:
    """The figures the BOT report cites: draws, cells, the z distribution, and per estimator of the
    main sample (all) the bias of SU and of ordinary employment Jan-Jul 2019, both models."""
    t = table[np.isfinite(table["z"])]
    new = t[~t.index.get_level_values("spec").str.endswith("/uden kh")]
    zero = new[new["truth"].abs() < 1e-12]

    def rows(outcome):
        f = t.xs(("main", "alle", outcome), level=("sample", "group", "outcome"))
        return {spec: {k: float(r[k]) for k in ("truth", "estimate", "bias", "mc_se", "z")}
                for spec, r in f.iterrows()}

    return {"script": "benchmarks/bot_sweep.py", "draws": len(seeds), "seeds": [int(seeds[0]), int(seeds[-1])],
            "estimators": list(SPECS),
            "groups": sorted(set(table.index.get_level_values("group"))),
            "samples": sorted(set(table.index.get_level_values("sample"))), "cells": int(len(new)), "bonferroni_z": bonferroni_z(len(new)),
            "max_abs_z": float(new["z"].abs().max()), "mean_z2": float(np.mean(new["z"] ** 2)),
            "share_abs_z_gt_196": float(np.mean(new["z"].abs() > 1.96)),
            "zero_effect_cells": int(len(zero)), "zero_effect_max_abs_z": float(zero["z"].abs().max()),
            "zero_effect_max_abs_bias": float(zero["bias"].abs().max()),
            "su_2019": rows("su_2019"), "ordinary_employment_2019": rows("ordinary_employment_2019"),
            "by_spec": {spec: _spec_summary(new.xs(spec, level="spec")) for spec in SPECS}}


def _spec_summary(cells: pd.DataFrame) -> dict:
    """One estimator's cells: count, max |z|, mean z^2, the largest |bias| and its cell, and the
    same without the weekly profiles (outcomes ``<k>_w<week>``)."""
    weekly = cells.index.get_level_values("outcome").str.contains(r"_w\d+$")
    worst = cells["bias"].abs().idxmax()
    other = cells[~weekly]
    return {"cells": int(len(cells)), "max_abs_z": float(cells["z"].abs().max()),
            "mean_z2": float(np.mean(cells["z"] ** 2)), "max_abs_bias": float(cells["bias"].abs().max()),
            "worst": {"sample": worst[0], "outcome": worst[-1], "bias": float(cells.loc[worst, "bias"]),
                      "z": float(cells.loc[worst, "z"])},
            "not_weekly": {"cells": int(len(other)), "max_abs_z": float(other["z"].abs().max()),
                           "max_abs_bias": float(other["bias"].abs().max())}}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=100)
    ap.add_argument("--first-seed", type=int, default=1001)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--groups", default=",".join(DEFAULT_GROUPS),
                    help="comma-separated of alle,maend,kvinder (default: alle)")
    ap.add_argument("--samples", default=",".join(DEFAULT_SAMPLES),
                    help=f"comma-separated of {','.join(SAMPLES)} (default: {','.join(DEFAULT_SAMPLES)})")
    ap.add_argument("--out", type=Path, help="also write the figures (markdown) to this file")
    ap.add_argument("--raw", type=Path, help="write every estimate (CSV) to this file")
    ap.add_argument("--from-raw", type=Path, help="summarise a --raw file of an earlier run instead of running")
    ap.add_argument("--json", type=Path, help="also write the headline figures (JSON, read by the BOT report)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    if args.from_raw:
        sims = pd.read_csv(args.from_raw)
        seeds = sorted(sims["seed"].unique().tolist())
    else:
        seeds = list(range(args.first_seed, args.first_seed + args.seeds))
        sims = simulate(seeds, args.workers, groups=[g for g in args.groups.split(",") if g],
                        samples=[x for x in args.samples.split(",") if x],
                        progress=lambda i, n: print(f"  {i}/{n} draws, {time.perf_counter() - t0:.0f} s",
                                                    file=sys.stderr, flush=True))
    if args.raw:
        sims.to_csv(args.raw, index=False)
    table = summarise(sims)
    if args.json:
        args.json.write_text(json.dumps(headline(table, seeds), indent=1, ensure_ascii=False) + "\n",
                             encoding="utf-8")
    text = report(table, seeds, time.perf_counter() - t0)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
