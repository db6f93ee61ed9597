"""Before/after timing of the BOT matching estimations (the bootstrap speed-up of issue 11).

Usage::

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/psm_speed.py [--n-boot 200] [--before REV]
        [--workers 2] [--tasks report|all|main]

Runs the estimations of the BOT report on the synthetic data in ``data/synthetic/bot``: with
``--tasks report`` (default) the report's own task list (``OPGAVER`` in ``reports/bot/index.qmd``,
eleven tasks: main sample with the 14 specifications of chapters 4-5, full follow-up, unrestricted
population, each for all / men / women, cohort II and the later cumulative months); with ``all``
the fixed list of :func:`bot_tasks` (main sample with the 14 specifications on the Jan-Jul 2019
outcomes and cumulative months, the full follow-up sample with specifications (1)-(2) on the
weekly columns of five outcomes, the unrestricted population, each for all / men / women, plus
cohort II; the propensity covariates as the report used them before issue 13). Twice:

* **before**: ``analysis.psm`` as of git revision ``--before`` (default: the last version with
  the replication-by-replication bootstrap), loaded from git; specification options that
  revision does not have are dropped (since BOT 1.2.0 the report uses ``separated="exclude"`` and
  ``bias_adjust=True``, new in the same session), so the numbers then differ by design: compare
  with a revision that has them;
* **after**: the working tree's ``analysis.psm``.

For each it prints the CPU time of the estimations run one after the other in this process (the
honest figure on a machine shared with other work: the wall time depends on the load) and the wall
time of :func:`analysis.psm.estimate_samples` with ``--workers`` processes, as the report runs
them, and finally the largest absolute difference between the two versions' estimates, standard
errors and confidence limits (same seeds: the random stream is unchanged).

The BLAS thread count matters: set ``OPENBLAS_NUM_THREADS=1`` (as the evalreport engine does for
every kernel); with several BLAS threads per worker the small products stall on a busy machine.

Measured
--------
2026-11 (issue 11, first round, ``--tasks all``): the block bootstrap (refits of 25 resamples at
once, prefix-sum weights, one product with the outcome matrix) takes about a quarter of the CPU
time of the replication-by-replication loop of ``BEFORE_REV``, with the same numbers to ~1e-12.

2026-11-30 (issue 11, second round; ``--tasks report --before 46568aa``, 200 replications, load
4,4-8,3 on the 2 cores from other people's suites and sweeps)::

    before (git 46568aa): CPU 21.8 s one after the other; wall 56.9 s with 2 workers
     after (working tree): CPU 21.3 s one after the other; wall 56.8 s with 2 workers
    largest |before - after| ...: 0.0e+00 (bit for bit the same); same bandwidths: yes

Where the CPU goes (report tasks, 20,3 s in one process): the bootstrap blocks 80 pct., of which
the score refits 42 pct. of the total (the Hessians X'WX of 52-54 covariates, a dense product
that already runs at ~28 GFLOP/s on one core, half of it; logit/probit functions the rest),
the weights of the 14 specifications 20 pct. and their sorting and prefix sums 10 pct. (extended
precision arithmetic, not call overhead: handling all 25 replications of a block in one array
operation, tried, gave the same numbers bit for bit but no gain); bandwidth cross-validation
10 pct., statsmodels score fits 6 pct. This round changed the schedule, not the arithmetic:
``estimate_samples`` runs every task up to its bootstrap first and then the bootstrap blocks of
all tasks together, heaviest first, so neither worker idles at the end (on two free cores the
old task-by-task schedule of these eleven tasks needs ~10,6 s, the balanced one ~10,2 s: BOT's
tasks were already fairly even; a report with one or two big samples gains up to 2x). Bit for
bit the same numbers. Not done, because it changes the numbers in the last digits (~1e-13 in
the scores): cheaper Hessians (single precision, or refreshed less often: a chord iteration
from the first Hessian alone was tried and was 2x slower, as it needs many more iterations).

2026-11-30 (issue 11, third round: the BOT report's execute stage; ``--tasks report --before
72726bb``, 200 replications, one BLAS thread, load 1,5 on the 2 cores)::

    before (git 72726bb): CPU 30.1 s one after the other; wall 25.6 s with 2 workers
     after (working tree): CPU 18.7 s one after the other; wall 18.7 s with 2 workers
    largest |before - after| over estimates, SEs, CI limits and control levels: 1.0e-11; same bandwidths: yes

(The wall times are those of a loaded machine; the CPU times of this round's runs were 28,4-31,3 s
before and 17,8-18,7 s after, once 20,8 s.) The numbers now differ in the last digits (BOT 1.3.0). Step by step, CPU in one
process: the bias adjustment of a whole block at once (``adjust.bias_adjusted_columns``: one Gram
per distinct resample and matched set, ~3 per 10 columns, one GEMM, one stacked eigendecomposition)
31,3 -> 22,1 s (it had been a third of the time, one 54 x 54 pseudo-inverse per replication and
spec); the refits with BFGS-updated inverse Hessians, the first step with the full sample's
Hessian and each resample's own Hessian once, at iteration 4 (400 instead of 1.677 Hessian rows
per 25 replications of all tasks, 13 pct. fewer iterations) -> ~18,5 s; kernel-matching weights
in double precision after the extended-precision window sums (agree to 1,5e-15) and ridge and
kernel cross-validation in one pass (bit for bit) -> ~18 s. Where the CPU goes now (cProfile):
bootstrap blocks 80 pct. (refits 27, weights with sorting and prefix sums 29, bias adjustment 13,
bookkeeping 11), cross-validation 8, statsmodels score fits 6. Tried and left out: the Hessians in
single precision (slower here, and the Hessians' condition numbers of ~1e6 slow the convergence);
the ridge weights in double precision (errors up to 4e-6 at h = 0,005); Cholesky instead of the
pseudo-inverse for the adjustment's Grams (81 pct. of them are singular: a dummy no matched
control has); scipy's log_expit in the log-likelihood (4x slower); the weight matrix of a block
stored transposed (no gain).
"""
from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis.synthetic import bot as bot_data  # noqa: E402

#: Last revision of analysis/psm.py with the replication-by-replication bootstrap.
BEFORE_REV = "eac39ca43db77f79ef9260bdae2ffafe9be9bd5e"


def load_module_at(rev: str, name: str = "psm_before"):
    """``analysis.psm`` as of git revision ``rev`` (the module ``analysis/psm.py``, or since 2026-11-30
    the package ``analysis/psm/``), imported stand-alone under ``name``."""
    folder = Path(tempfile.mkdtemp())
    single = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:analysis/psm.py"], capture_output=True,
                            text=True)
    if single.returncode == 0:
        path, search = folder / f"{name}.py", None
        path.write_text(single.stdout, encoding="utf-8")
    else:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "analysis/psm"], check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
        path, search = folder / "analysis" / "psm" / "__init__.py", [str(folder / "analysis" / "psm")]
    spec = importlib.util.spec_from_file_location(name, path, submodule_search_locations=search)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def report_tasks(psm) -> list:
    """The BOT report's own estimation tasks (``OPGAVER`` in ``reports/bot/index.qmd``), as objects of the
    module ``psm``: the report's cells up to its ``psm.estimate_samples`` call are executed (with the
    working tree's ``analysis.psm``) and the tasks and their specs converted."""
    from evalreport.engine.qmd import read_qmd

    ns: dict = {}
    cwd = os.getcwd()
    os.chdir(ROOT / "reports" / "bot")
    try:
        for cell in read_qmd(ROOT / "reports" / "bot" / "index.qmd").cells:
            src, done = cell.source, "psm.estimate_samples(OPGAVER" in cell.source
            if done:
                src = src[:src.index("R = psm.estimate_samples(OPGAVER")]
            exec(compile(src, "index.qmd", "exec"), ns)
            if done:
                break
    finally:
        os.chdir(cwd)

    def known(cls, obj) -> dict:   # the fields the module's class has (options added later are left out)
        names = {f.name for f in dataclasses.fields(cls)}
        return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj) if f.name in names}

    def spec(s):
        return psm.MatchingSpec(**known(psm.MatchingSpec, s))

    def task(t):
        fields = known(psm.SampleTask, t)
        fields["specs"] = {k: spec(s) for k, s in t.specs.items()}
        return psm.SampleTask(**fields)

    return [task(t) for t in ns["OPGAVER"]]


def _without_empty_municipalities(rows, t, kom):
    return rows[np.isin(kom[rows], np.unique(kom[rows][t[rows] == 1]))]


def bot_tasks(psm, data, which: str = "all") -> list:
    """The BOT report's estimation tasks (as SampleTask objects of the module ``psm``)."""
    T = bot_data.treatment(data)
    X = bot_data.covariates(data, "ps").drop(columns=["social_assistance_w1"])
    KOM = bot_data.municipality(data)
    MAND = bot_data.gender(data)
    AF = bot_data.analysis_frame(data)
    FF = bot_data.start_cohort(data)["full_followup"].to_numpy()
    KOH2 = bot_data.start_cohort(data)["cohort_ii"].to_numpy()
    spec = {"1": psm.MatchingSpec("ridge"), "2": psm.MatchingSpec("ridge", exact=True)}
    basis = {"1": ("ridge", False), "2": ("ridge", True), "3": ("kernel", False), "4": ("kernel", True),
             "5": ("ipw", False)}
    rob = {**{k: psm.MatchingSpec(m, exact=x) for k, (m, x) in basis.items() if k in "345"},
           **{f"p{k}": psm.MatchingSpec(m, exact=x, link="probit") for k, (m, x) in basis.items()},
           **{f"u{k}": psm.MatchingSpec(m, exact=x, kernel="uniform") for k, (m, x) in basis.items() if k in "1234"}}
    kum = bot_data.cumulative_months(data)
    full = [k for k in range(kum.shape[1]) if not np.isnan(kum[:, k]).any()]
    y_main = pd.concat([AF[["ordinary_employment_2019", "self_support_2019", "su_2019"]].reset_index(drop=True),
                        pd.DataFrame({f"kum_{k}": kum[:, k] for k in full})], axis=1)
    weekly = {}
    for k in ("ordinary_employment", "guidance", "education_activation", "placement_private", "placement_public"):
        w = bot_data.weekly_outcome(data, k)
        for j in range(53):
            if not np.isnan(w[FF, j]).any():
                weekly[f"{k}_w{j}"] = w[:, j]
    y_ff = pd.DataFrame(weekly)
    U = bot_data.analysis_mask(data, "unrestricted")
    T_U, KOM_U, MAND_U = bot_data.treatment(data, U), bot_data.municipality(data, U), bot_data.gender(data, U)
    X_U = bot_data.covariates(data, "ps", U).drop(columns=["social_assistance_w1"])
    y_u = bot_data.window_2019(data, "ordinary_employment", U)
    cv = AF["ordinary_employment_2019"].to_numpy()
    seeds = iter(np.random.SeedSequence([2020, 2020]).spawn(32))
    tasks = []
    for g, m in (("alle", np.ones(len(T), bool)), ("maend", MAND == 1), ("kvinder", MAND == 0)):
        r = _without_empty_municipalities(np.flatnonzero(m), T, KOM)
        tasks.append(psm.SampleTask(("hoved", g), r, T, X, y_main, {**spec, **rob}, cells=KOM, cv_outcome=cv,
                                    seed=next(seeds)))
        if which == "main":
            continue
        r = _without_empty_municipalities(np.flatnonzero(m & FF), T, KOM)
        tasks.append(psm.SampleTask(("ff", g), r, T, X, y_ff, spec, cells=KOM, cv_outcome=cv, seed=next(seeds)))
        mu = np.ones(len(T_U), bool) if g == "alle" else (MAND_U == (1 if g == "maend" else 0))
        r = _without_empty_municipalities(np.flatnonzero(mu), T_U, KOM_U)
        tasks.append(psm.SampleTask(("ubegr", g), r, T_U, X_U, y_u, spec, cells=KOM_U, cv_outcome=y_u,
                                    seed=next(seeds)))
    if which != "main":
        tasks.append(psm.SampleTask(("koh2", "alle"), _without_empty_municipalities(np.flatnonzero(KOH2), T, KOM),
                                    T, X, AF[["ordinary_employment_2019"]], spec, cells=KOM, cv_outcome=cv,
                                    seed=next(seeds)))
    return tasks


def run(psm, data, n_boot: int, workers: int, which: str) -> tuple[float, float, dict]:
    tasks = report_tasks(psm) if which == "report" else bot_tasks(psm, data, which)
    cpu0 = time.process_time()
    serial = {t.key: _frame(psm.estimate_samples([t], n_boot=n_boot, workers=1)[t.key]) for t in tasks}
    cpu = time.process_time() - cpu0
    wall0 = time.perf_counter()
    psm.estimate_samples(tasks, n_boot=n_boot, workers=workers)
    wall = time.perf_counter() - wall0
    return cpu, wall, serial


def _frame(result) -> pd.DataFrame:
    return result if isinstance(result, pd.DataFrame) else result.frame   # over-time tasks give a frame


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n-boot", type=int, default=200)
    ap.add_argument("--before", default=BEFORE_REV, help="git revision of the 'before' analysis/psm.py")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--tasks", choices=("report", "all", "main"), default="report",
                    help="'report': the report's own tasks; 'all': the fixed list of bot_tasks (as the report "
                         "was before issue 13); 'main': only its three main-sample estimations (quicker)")
    args = ap.parse_args(argv)
    from analysis import psm as after
    before = load_module_at(args.before)
    data = bot_data.load(ROOT / "data" / "synthetic" / "bot")
    print(f"BOT estimations ({args.tasks}), {args.n_boot} bootstrap replications; "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    res = {}
    for label, mod in (("before", before), ("after", after)):
        cpu, wall, frames = run(mod, data, args.n_boot, args.workers, args.tasks)
        res[label] = (cpu, wall, frames)
        print(f"{label:>6} ({'git ' + args.before[:10] if label == 'before' else 'working tree'}): "
              f"CPU {cpu:6.1f} s one after the other; wall {wall:6.1f} s with {args.workers} workers")
    (cb, wb, fb), (ca, wa, fa) = res["before"], res["after"]
    print(f" ratio: CPU {cb / ca:4.1f} x, wall {wb / wa:4.1f} x")
    cols = [(k, c) for k in fb for c in ("att", "se", "ci_low", "ci_high", "control_mean", "control_level")
            if c in fb[k]]
    diff = max(float(np.nanmax(np.abs(fb[k][c].to_numpy(float) - fa[k][c].to_numpy(float)))) for k, c in cols)
    same = all(np.array_equal(fb[k][c].to_numpy(float), fa[k][c].to_numpy(float), equal_nan=True) for k, c in cols)
    same_h = all((fb[k]["bandwidth"].fillna(-1) == fa[k]["bandwidth"].fillna(-1)).all() for k in fb)
    print(f"largest |before - after| over estimates, SEs, CI limits and control levels: {diff:.1e}"
          f"{' (bit for bit the same)' if same else ''}; same bandwidths: {'yes' if same_h else 'NO'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
