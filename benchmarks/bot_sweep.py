"""Seed sweep of the BOT matching estimators against the true effects of the synthetic data.

For seeds ``first .. first + n - 1`` of ``analysis.synthetic.bot`` every estimator of the report
(:data:`SPECS`: (1)-(5) with the logit score, (1)-(5) with the probit score, (1)-(4) with the
rectangular kernel; as in the report: common support ``"minmax"``, controls the propensity model
predicts perfectly (``separated="exclude"``) left out, and the regression bias adjustment on the
propensity-model covariates, ``bias_adjust=True``) is computed, without bootstrap,
on every estimation sample of the report (main sample, full follow-up sample, start cohorts I and
II, unrestricted population; the whole sample, and with ``--groups alle,maend,kvinder`` also men
and women, re-estimated within the group as the report does) for every outcome whose true effect
the generator records (``meta["sample_att"]``: the realised mean of Y(1) - Y(0) over the
participants of that sample, so each draw is compared with its own truth): the Jan-Jul 2019
shares, the sector outcomes, the weeks 0-52 shares, the cumulative months 0-12 and (all) the
weekly profiles of ten outcomes. Zero-effect outcomes (SU, public løntilskud, weekly SU) are
included. The propensity model has both benefit dummies (quasi-separation handled by
:func:`analysis.psm.fit_propensity`); the variant ``<spec>/uden kh`` repeats (1), (2) and (5) as
the report estimated them in version 1.0.0 (kontanthjælp dummy dropped, no bias adjustment), to
show the bias this caused.

``--diagnostics`` adds, for (1)-(5), the estimators of report version 1.1.0 (``<spec>/v1.1``:
separated controls matched, no bias adjustment) and the separated controls left out without the
bias adjustment (``<spec>/udelukket``), so that the two parts of the fix can be told apart; with
``--outcomes REGEX`` (outcomes whose name matches) and ``--samples fu`` this is the quick targeted
sweep of the cause (``benchmarks/bot_sweep_causes.md``/``.json``).

Per (sample, group, estimator, outcome): bias = mean(estimate - truth) over the seeds, its Monte
Carlo SE (SD / sqrt(seeds)) and z = bias / MC SE. Printed: the zero-effect outcomes, the headline
outcomes per estimator, the worst cells, and the distribution of z over all cells (under no bias
about N(0, 1); cells are correlated, e.g. neighbouring weeks). ``--out`` also writes the printed
figures to a file, ``--json`` the figures the BOT report cites (``benchmarks/bot_sweep.md`` and
``.json`` are committed).

    nice .venv/bin/python benchmarks/bot_sweep.py --seeds 100 [--first-seed 1001] [--workers 2]
        [--groups alle] [--samples main,fu] [--outcomes REGEX] [--diagnostics] [--raw FILE.csv]
        [--out benchmarks/bot_sweep.md] [--json benchmarks/bot_sweep.json]
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import multiprocessing
import os
import re
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
#: The report's rules for every estimator (Bilag 1): psmatch2's min/max support rule, controls the
#: propensity model predicts perfectly left out of the matching, and the regression bias adjustment.
RULES = {"support": "minmax", "separated": "exclude", "bias_adjust": True}
#: The report's 14 estimators (Tabel 4.1-4.7 use (1)-(2); chapter 5 all).
SPECS: dict[str, psm.MatchingSpec] = {
    **{k: psm.MatchingSpec(m, exact=x, bandwidth="cv", **RULES) for k, (m, x) in _BASIS.items()},
    **{f"p{k}": psm.MatchingSpec(m, exact=x, link="probit", bandwidth="cv", **RULES)
       for k, (m, x) in _BASIS.items()},
    **{f"u{k}": psm.MatchingSpec(m, exact=x, kernel="uniform", bandwidth="cv", **RULES)
       for k, (m, x) in _BASIS.items() if k in "1234"},
}
#: Estimators repeated with the propensity model of report version 1.0.0 (kontanthjælp dummy
#: dropped), estimated as then (no bias adjustment; no control is predicted perfectly by that model).
OLD_MODEL_SPECS = ("1", "2", "5")
#: ``--diagnostics``: (1)-(5) as in report version 1.1.0 (``/v1.1``: separated controls kept at score
#: 0 inside the kernel windows, no bias adjustment) and with only the first part of the fix
#: (``/udelukket``: separated controls left out, no bias adjustment).
DIAGNOSTIC_SPECS: dict[str, psm.MatchingSpec] = {
    **{f"{k}/v1.1": dataclasses.replace(SPECS[k], separated="keep", bias_adjust=False) for k in _BASIS},
    **{f"{k}/udelukket": dataclasses.replace(SPECS[k], bias_adjust=False) for k in _BASIS},
}
OUTCOMES_2019 = ["ordinary_employment_2019", "self_support_2019", "su_2019"] + [
    f"sector_{k}_2019" for k in bot.SECTOR_OUTCOMES]
SHARES_0_52 = ["guidance", "education_activation", "placement_private", "placement_public",
               "wage_subsidy_private", "wage_subsidy_public", "igu", "self_support", "ordinary_employment"]
#: The weekly profiles whose true effect the generator records (``meta["sample_att"]["weekly_0_52"]``).
WEEKLY_OUTCOMES = ("ordinary_employment", "self_support", "su", "guidance", "education_activation",
                   "placement_private", "placement_public", "wage_subsidy_private", "wage_subsidy_public", "igu")
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


def _estimate(t, X, Y, E, rows, kom, cv, specs) -> pd.DataFrame | None:
    """The estimates of ``specs`` for the outcome columns of ``Y`` on ``rows`` (as the report: only
    municipalities with participants; weeks observed for everybody), each with its truth: the mean
    true effect ``E`` (persons x columns, Y(1) - Y(0)) over the participants that the estimator
    keeps on common support."""
    r = _rows_with_treated_cells(rows, t, kom)
    seen = Y.iloc[r].notna().all().to_numpy()
    Y, E = Y.loc[:, seen], E.loc[:, seen]
    if Y.shape[1] == 0:
        return None
    res = psm.estimate_att(t[r], X.iloc[r].reset_index(drop=True), Y.iloc[r].reset_index(drop=True), specs,
                           cells=kom[r], cv_outcome=cv[r], n_boot=0)
    treated_rows = r[t[r] == 1]
    f = res.frame[["spec", "column", "att", "n_treated", "n_treated_on_support"]].copy()
    on = {name: treated_rows[w.on_support] for name, w in res.weights.items()}
    truth = {name: E.iloc[rows_on].mean(axis=0) if len(rows_on) else E.iloc[:0].mean(axis=0)
             for name, rows_on in on.items()}
    f["truth"] = [truth[sp][col] for sp, col in zip(f["spec"], f["column"])]
    f["truth_all"] = [E.iloc[treated_rows][col].mean() for col in f["column"]]
    return f


def _outcome_frames(data, keep, samples) -> dict:
    """The outcome columns of every sample, computed from ``data`` (the observed data, or
    :func:`analysis.synthetic.bot.counterfactual` for Y(0))."""
    af = bot.analysis_frame(data).reset_index(drop=True)
    out = {"main": keep(af[OUTCOMES_2019]),
           "ff": keep(pd.DataFrame({f"{k}_0_52": bot.share_0_52(data, k) for k in SHARES_0_52})),
           "week": keep(pd.DataFrame({f"{k}_w{j}": w[:, j] for k in WEEKLY_OUTCOMES
                                      for w in [bot.weekly_outcome(data, k)] for j in range(53)})),
           "cohort": keep(af[["ordinary_employment_2019"]].assign(igu_0_52=bot.share_0_52(data, "igu")))}
    if "unrestricted" in samples:
        u = bot.analysis_mask(data, "unrestricted")
        out["unrestricted"] = keep(pd.DataFrame(
            {"ordinary_employment_2019": bot.window_2019(data, "ordinary_employment", u)}))
    return out


def seed_rows(seed: int, groups=DEFAULT_GROUPS, samples=DEFAULT_SAMPLES, outcomes: str | None = None,
              diagnostics: bool = False) -> pd.DataFrame:
    """All estimates of one draw with their truths: seed, sample, group, spec, outcome, estimate,
    truth (the true ATT over the participants the estimator keeps on common support, from each
    participant's Y(1) - Y(0): :func:`analysis.synthetic.bot.counterfactual`), truth_all (over all
    participants of the sample, = ``meta["sample_att"]``), n_treated, n_on_support; for the
    ``groups`` of :data:`GROUPS` and the ``samples`` of :data:`SAMPLES`; only outcomes whose name
    matches the regular expression ``outcomes`` (all if None; the cumulative months are named
    ``ordinary_employment_months_0_<k>``; their truth is over all participants), and with
    ``diagnostics`` also the estimators of :data:`DIAGNOSTIC_SPECS`."""
    unknown = set(samples) - set(SAMPLES)
    if unknown:
        raise ValueError(f"unknown samples: {sorted(unknown)}")
    pattern = re.compile(outcomes) if outcomes else None

    def keep(frame: pd.DataFrame) -> pd.DataFrame:
        return frame if pattern is None else frame.loc[:, [bool(pattern.search(c)) for c in frame.columns]]

    specs = {**SPECS, **(DIAGNOSTIC_SPECS if diagnostics else {})}
    data = bot.generate(seed)
    truth = data.meta["sample_att"]
    T = bot.treatment(data)
    X_new = bot.covariates(data, "ps")
    X_old = X_new.drop(columns=["social_assistance_w1"])
    kom, male = bot.municipality(data), bot.gender(data)
    cv = bot.window_2019(data, "ordinary_employment")
    coh = bot.start_cohort(data)
    ff = coh["full_followup"].to_numpy()
    kum = bot.cumulative_months(data) if "months" in samples else None
    Y = _outcome_frames(data, keep, samples)
    Y0 = _outcome_frames(bot.counterfactual(data), keep, samples)
    E = {k: Y[k] - Y0[k] for k in Y}           # each person's true effect (0 for controls)
    if "unrestricted" in samples:
        u = bot.analysis_mask(data, "unrestricted")
        t_u, kom_u, male_u = bot.treatment(data, u), bot.municipality(data, u), bot.gender(data, u)
        x_u = bot.covariates(data, "ps", u)
    old_specs = {f"{k}/uden kh": dataclasses.replace(SPECS[k], bias_adjust=False) for k in OLD_MODEL_SPECS}

    out = []

    def add(frame, sample, group):
        if frame is not None:
            out.append(frame.assign(sample=sample, group=group, outcome=frame["column"]))

    for g in groups:
        m = GROUPS[g]
        sel = np.ones(len(T), bool) if m is None else male == m
        if "main" in samples:
            add(_estimate(T, X_new, Y["main"], E["main"], np.flatnonzero(sel), kom, cv, specs), "main", g)
            add(_estimate(T, X_old, Y["main"], E["main"], np.flatnonzero(sel), kom, cv, old_specs), "main", g)
        if "fu" in samples:
            parts = ["ff", "week"] if g == "alle" else ["ff"]
            add(_estimate(T, X_new, pd.concat([Y[k] for k in parts], axis=1),
                          pd.concat([E[k] for k in parts], axis=1), np.flatnonzero(sel & ff), kom, cv, specs),
                "fu", g)
        for name in ("cohort_i", "cohort_ii") if "cohorts" in samples else ():
            cols = [c for c in Y["cohort"].columns if name == "cohort_ii" or c != "igu_0_52"]
            add(_estimate(T, X_new, Y["cohort"][cols], E["cohort"][cols], np.flatnonzero(sel & coh[name].to_numpy()),
                          kom, cv, specs), name, g)
        if "unrestricted" in samples:
            su = np.ones(len(t_u), bool) if m is None else male_u == m
            add(_estimate(t_u, x_u, Y["unrestricted"], E["unrestricted"], np.flatnonzero(su), kom_u,
                          bot.window_2019(data, "ordinary_employment", u), specs), "unrestricted", g)
        months = [k for k in range(13) if pattern is None or pattern.search(f"ordinary_employment_months_0_{k}")]
        if "months" not in samples or not months:
            continue
        # cumulative months 0-12: each missingness pattern is its own sample (as the report); the
        # truth is the generator's, over all participants
        r = _rows_with_treated_cells(np.flatnonzero(sel), T, kom)
        f = psm.effects_over_time(T[r], X_new.iloc[r].reset_index(drop=True), kum[r][:, months], specs,
                                  periods=months, period_name="month", cells=kom[r], cv_outcome=cv[r],
                                  n_boot=0)
        f = f.assign(column=[f"ordinary_employment_months_0_{k}" for k in f["month"]], n_treated=np.nan)
        f["truth"] = f["truth_all"] = [truth[c][g] for c in f["column"]]
        add(f[["spec", "column", "att", "n_treated", "n_treated_on_support", "truth", "truth_all"]], "main", g)

    rows = pd.concat(out, ignore_index=True)
    rows["seed"] = seed
    return rows.rename(columns={"att": "estimate", "n_treated_on_support": "n_on_support"})[
        ["seed", "sample", "group", "spec", "outcome", "estimate", "truth", "truth_all", "n_treated",
         "n_on_support"]]


def simulate(seeds, workers: int = 1, progress=None, groups=DEFAULT_GROUPS,
             samples=DEFAULT_SAMPLES, outcomes: str | None = None, diagnostics: bool = False) -> pd.DataFrame:
    """:func:`seed_rows` for every seed, in ``workers`` forked processes (results do not depend on it)."""
    seeds = list(seeds)
    one = partial(seed_rows, groups=tuple(groups), samples=tuple(samples), outcomes=outcomes,
                  diagnostics=diagnostics)
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
    if "truth_all" in d:
        out["truth_all"] = g["truth_all"].mean()
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


def _report_specs(table: pd.DataFrame) -> pd.DataFrame:
    """The cells of the report's estimators (:data:`SPECS`; not the comparison variants)."""
    return table[table.index.get_level_values("spec").isin(list(SPECS))]


def _variant(spec: str) -> tuple[str, str]:
    """'4/v1.1' -> ('4', 'v1.1'); '4' -> ('4', 'rapport')."""
    base, _, variant = spec.partition("/")
    return base, variant or "rapport"


def report(table: pd.DataFrame, seeds: list, elapsed: float) -> str:
    """The printed figures (markdown)."""
    t = table[np.isfinite(table["z"])]
    new = _report_specs(t)
    outcomes = set(t.index.get_level_values("outcome"))
    lines = [f"# BOT seed sweep: {len(seeds)} draws (seeds {seeds[0]}-{seeds[-1]})", "",
             f"Estimators: {', '.join(SPECS)} ({', '.join(f'{k}={v!r}' for k, v in RULES.items())}); "
             f"{len(new)} cells (sample x group x estimator x "
             "outcome), bias = mean(estimate - true sample effect), MC SE = SD / sqrt(draws), z = bias / MC SE.",
             f"Computed in {elapsed / 60:.0f} min by benchmarks/bot_sweep.py.", ""]
    zc = bonferroni_z(len(new))
    if "truth_all" in new:
        gap = (new["truth"] - new["truth_all"]).abs()
        worst = gap.idxmax()
        lines += ["The truth of a cell is the true ATT over the participants the estimator keeps on common "
                  "support (each participant's Y(1) - Y(0) from the generator); over all participants it "
                  f"differs by up to {gap.max():.4f} (mean over the draws; {worst[2]}, {worst[3]}, {worst[0]}).", ""]
    n_exact = int(table["z"].isna().sum())
    if n_exact:
        lines += [f"{n_exact} further cells have estimate = truth in every draw (no Monte Carlo error).", ""]
    z = new["z"].to_numpy()
    lines += ["## All cells of the report's estimators", "",
              f"- max |z| = {np.max(np.abs(z)):.2f} (Bonferroni bound for {len(new)} cells at 1 %: {zc:.2f})",
              f"- mean z = {z.mean():.3f}, mean z^2 = {np.mean(z ** 2):.3f} (1 if unbiased), "
              f"share |z| > 1.96 = {np.mean(np.abs(z) > 1.96):.3f}, share |z| > 3 = {np.mean(np.abs(z) > 3):.4f}",
              f"- largest |bias| = {new['bias'].abs().max():.4f} (in share points)", ""]

    def fmt(frame, cols=("truth", "estimate", "bias", "mc_se", "z")):
        f = frame.reset_index()[["sample", "group", "spec", "outcome", *cols]]
        return markdown_table(f)

    zero = new[new["truth"].abs() < 1e-12]
    if "su_2019" in outcomes:
        su = t.xs("su_2019", level="outcome", drop_level=False)
        lines += ["## SU (true effect 0): both benefit dummies vs. the kontanthjælp dummy dropped", "", fmt(su), ""]
    if len(zero):
        lines += [f"## Zero-effect cells ({len(zero)}: SU, public løntilskud, weeks before an effect starts; "
                  f"max |z| {zero['z'].abs().max():.2f}, mean z^2 {np.mean(zero['z'] ** 2):.3f}), worst 15 by |z|",
                  "", fmt(zero.reindex(zero["z"].abs().sort_values(ascending=False).index).head(15)), ""]
    weekly_su = new[new.index.get_level_values("outcome").str.startswith("su_w")]
    if len(weekly_su):
        lines += [f"Weekly SU, weeks 0-52 x {weekly_su.index.get_level_values('spec').nunique()} estimators: "
                  f"max |bias| {weekly_su['bias'].abs().max():.4f}, max |z| {weekly_su['z'].abs().max():.2f}.", ""]
    if "ordinary_employment_2019" in outcomes and "main" in set(t.index.get_level_values("sample")):
        head = new.xs(("main", "ordinary_employment_2019"), level=("sample", "outcome"), drop_level=False)
        lines += ["## Ordinary employment Jan-Jul 2019, every estimator", "", fmt(head), ""]
    lines += ["## Worst 20 cells by |z| (the report's estimators)", "",
              fmt(new.reindex(new["z"].abs().sort_values(ascending=False).index).head(20)), ""]
    by_spec = t.groupby(level="spec", sort=False).agg(
        cells=("z", "size"), max_abs_z=("z", lambda s: s.abs().max()), mean_z2=("z", lambda s: np.mean(s ** 2)),
        max_abs_bias=("bias", lambda s: s.abs().max()))
    lines += ["## Per estimator (comparison variants: /uden kh, /v1.1, /udelukket)", "",
              markdown_table(by_spec.reset_index(), 3), ""]
    diag = causes(table)
    if diag:
        lines += ["## The two parts of the fix, estimators (1)-(5): max |z| / max |bias| over the cells", "",
                  "v1.1: controls predicted perfectly by the propensity model matched at score 0, no bias "
                  "adjustment; udelukket: those controls left out; rapport: left out and bias-adjusted "
                  "(the report's estimators).", ""]
        rows = [[base] + [f"{diag[base][v]['max_abs_z']:.1f} / {diag[base][v]['max_abs_bias']:.4f}"
                          for v in ("v1.1", "udelukket", "rapport")] for base in diag]
        lines += [markdown_table(pd.DataFrame(rows, columns=["spec", "v1.1", "udelukket", "rapport"])), ""]
        cells = [(o, s_) for o, s_ in (("su_w0", "fu"), ("education_activation_w0", "fu")) if o in outcomes]
        for o, sample in cells:
            f = t.xs((sample, "alle", o), level=("sample", "group", "outcome"), drop_level=False)
            f = f[[_variant(x)[0] in _BASIS for x in f.index.get_level_values("spec")]]
            lines += [f"### {o} ({sample})", "", fmt(f), ""]
    return "\n".join(lines)


def causes(table: pd.DataFrame) -> dict:
    """Per estimator (1)-(5) and variant (``v1.1``, ``udelukket``, ``rapport``: the report's), over
    the cells of that estimator: max |z|, max |bias|, mean z^2 and the worst cell; empty without the
    ``--diagnostics`` variants."""
    t = table[np.isfinite(table["z"])]
    specs = set(t.index.get_level_values("spec"))
    if not any(s.endswith("/v1.1") for s in specs):
        return {}
    out: dict = {}
    for base in _BASIS:
        out[base] = {}
        for variant in ("v1.1", "udelukket", "rapport"):
            name = base if variant == "rapport" else f"{base}/{variant}"
            cells = t.xs(name, level="spec", drop_level=False)
            worst = cells["z"].abs().idxmax()
            out[base][variant] = {
                "cells": int(len(cells)), "max_abs_z": float(cells["z"].abs().max()),
                "max_abs_bias": float(cells["bias"].abs().max()), "mean_z2": float(np.mean(cells["z"] ** 2)),
                "worst": {"sample": worst[0], "outcome": worst[-1], "bias": float(cells.loc[worst, "bias"]),
                          "z": float(cells.loc[worst, "z"])}}
    return out


def cell_figures(table: pd.DataFrame, sample: str, outcome: str) -> dict:
    """spec -> truth, estimate, bias, mc_se, z of one (sample, whole group, outcome)."""
    f = table.xs((sample, "alle", outcome), level=("sample", "group", "outcome"))
    return {spec: {k: float(r[k]) for k in ("truth", "estimate", "bias", "mc_se", "z")} for spec, r in f.iterrows()}


def headline(table: pd.DataFrame, seeds: list) -> dict:
    """The figures the BOT report cites: draws, cells, the z distribution, and per estimator of the
    main sample (all) the bias of SU and of ordinary employment Jan-Jul 2019, both models; with the
    ``--diagnostics`` variants also :func:`causes` and the week-0 cells of SU and
    uddannelsesaktivering."""
    t = table[np.isfinite(table["z"])]
    new = _report_specs(t)
    zero = new[new["truth"].abs() < 1e-12]
    outcomes = set(t.index.get_level_values("outcome"))
    samples = set(t.index.get_level_values("sample"))
    out = {"script": "benchmarks/bot_sweep.py", "draws": len(seeds), "seeds": [int(seeds[0]), int(seeds[-1])],
           "estimators": list(SPECS), "rules": dict(RULES),
           "groups": sorted(set(table.index.get_level_values("group"))),
           "samples": sorted(samples), "cells": int(len(new)), "bonferroni_z": bonferroni_z(len(new)),
           "max_abs_z": float(new["z"].abs().max()), "mean_z2": float(np.mean(new["z"] ** 2)),
           "share_abs_z_gt_196": float(np.mean(new["z"].abs() > 1.96)),
           "zero_effect_cells": int(len(zero)),
           "zero_effect_max_abs_z": float(zero["z"].abs().max()) if len(zero) else None,
           "zero_effect_max_abs_bias": float(zero["bias"].abs().max()) if len(zero) else None,
           "by_spec": {spec: _spec_summary(new.xs(spec, level="spec")) for spec in SPECS}}
    if "main" in samples:
        for o in ("su_2019", "ordinary_employment_2019"):
            if o in outcomes:
                out[o] = cell_figures(t, "main", o)
    diag = causes(table)
    if diag:
        out["causes"] = diag
        for o in ("su_w0", "education_activation_w0"):
            if "fu" in samples and o in outcomes:
                out[o] = cell_figures(t, "fu", o)
    return out


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
            "not_weekly": {"cells": int(len(other)),
                           "max_abs_z": float(other["z"].abs().max()) if len(other) else None,
                           "max_abs_bias": float(other["bias"].abs().max()) if len(other) else None}}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=100)
    ap.add_argument("--first-seed", type=int, default=1001)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--groups", default=",".join(DEFAULT_GROUPS),
                    help="comma-separated of alle,maend,kvinder (default: alle)")
    ap.add_argument("--samples", default=",".join(DEFAULT_SAMPLES),
                    help=f"comma-separated of {','.join(SAMPLES)} (default: {','.join(DEFAULT_SAMPLES)})")
    ap.add_argument("--outcomes", help="only outcomes whose name matches this regular expression")
    ap.add_argument("--diagnostics", action="store_true",
                    help="also (1)-(5) as in report version 1.1.0 and with only the separated controls left out")
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
                        samples=[x for x in args.samples.split(",") if x], outcomes=args.outcomes,
                        diagnostics=args.diagnostics,
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
