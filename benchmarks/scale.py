"""How the cost grows with the work (issue 14): register-size samples, many bootstrap
replications, a per-municipality matrix; local processes against a two-worker Dask cluster.

Usage::

    .venv/bin/python benchmarks/scale.py                 # everything (hours on a busy 2-core machine)
    .venv/bin/python benchmarks/scale.py --sizes 8000,50000 --boots 200 --matrix-boot 50
    .venv/bin/python benchmarks/scale.py --no-analysis   # only the per-municipality matrix

Part 1, the analysis of one large report. A BOT-like synthetic sample of N persons (6 pct.
participants chosen on the propensity index, 11 municipalities, 55 covariates: 10
municipality dummies, 24 binary lags and 21 continuous ones; 331 outcome columns: 6 weekly
outcomes x 53 weeks + 13 cumulative months, as in BOT's chapter 4) is estimated as the BOT
report does it: ``psm.estimate_samples`` with three samples (all, men, women) and the two
main specifications, ridge matching with a cross-validated bandwidth, without and with exact
matching on the municipality, each with B bootstrap replications. Executors:

* ``local``: the default, ``estimate_samples``' own pool of two forked processes;
* ``cluster``: a ``dask.distributed.LocalCluster`` with two single-threaded worker processes,
  reached through ``evalreport.author.cluster_map``'s ``ClusterMap`` (what a report gets in a
  build with ``--scheduler``); the cluster's start is timed apart.

Every (N, B, executor) runs in a fresh Python process (peak memory from ``getrusage``: the
calling process and the largest worker). ``fixed`` is the same estimation with B = 0 (score
fits, bandwidth CV, matching weights), so ``B x per rep`` = total - fixed is the bootstrap.

Part 2, the per-municipality matrix of BOT: ``benchmarks/scale_kommune.qmd`` (BOT's main
estimate on one municipality's participants and controls, 11 variants plus the whole) is
built with ``evalreport build kommune --matrix --to html --no-cache`` in a temporary project,
with ``-j 2`` and on the two-worker cluster; the two sites must be byte-identical. The stage
times the build prints (kernel start and cells, HTML) are summed over the variants.

Growth: the last columns give the time per person and per replication relative to the
smallest case; constant means linear growth.

Measured 2026-11-30 14:26-15:20 on the shared 2-core machine, after issue 14's memory fix (no
n1 x n0 matrices: per-unit weight vectors, blocked outer products; see analysis/psm/weights.py),
load 3.5-14 from other builds, suites and sweeps (so wall times swing by a factor 2-3; CPU seconds
are the steadier measure), ``--cases 8000x200,50000x200,200000x200`` and ``200000x1000``, each
with ``--no-matrix`` (part 2 was re-run at 22:03, see the end)::

          N     B executor  fixed  bootstr. ms/rep  total  CPU  caller worker (MB)
      8.000   200 local       4.3     14.5     73    18.9    9    291    454
      8.000   200 cluster    10.4     17.3     86    27.7   14    303    410   (+9.0 s start)
     50.000   200 local      25.8    105.0    525   130.7   60    776   1252
    200.000   200 local      59.9    219.3   1096   279.2  237   2679   2932
    200.000   200 cluster   106.8    294.1   1470   400.9  319   2698   2884   (+6.7 s start)
    200.000  1000 local      81.9   1413.7   1414  1495.6 1032   3593   4179   (load 6-7, 14:55-15:20)

Before the fix (same machine, load 10-15): 50.000 x 200 local took 349,5 s with 7 GB per worker,
and 200.000 persons were out of reach (the dense weight matrices alone ~100 GB).

* Persons: linear. CPU 9 -> 60 -> 237 s for 8.000 -> 50.000 -> 200.000 persons (x6,7 for x6,25,
  then x4,0 for x4); the wall times do not show it as cleanly because the load changed between
  runs. Peak memory grows linearly too: ~2,9 GB per worker and ~2,7 GB in the caller at 200.000
  persons (the caller holds the samples' outcome matrices, 331 columns, 530 MB for the whole
  sample, and the resample positions; the workers the same through fork plus one block's
  arrays), against 7 GB per worker at 50.000 before.
* Where the time goes at 200.000 persons (the whole sample, 50 replications, CPU, one process):
  the score refits are 61 pct. of a bootstrap block (Newton on 25 resamples at once, 55
  covariates: the Hessians X'WX, made from blocks of row outer products, dominate), sorting
  and prefix sums 17 pct., the weights of the two specifications 15 pct., the rest (counts,
  the product with the 331 outcome columns) 7 pct.; 0,47 s CPU per replication and sample. Of
  the fixed part, the bandwidth cross-validation (2 specifications x 50 bandwidths on 188.000
  controls, extended precision) is 85 pct., the statsmodels score fit 15 pct.
* Replications: linear or better (measured before the fix at 8.000 persons: 5x the replications,
  3,1x the bootstrap time; blocks of 25 replications share their setup). At 200.000 persons
  B 200 -> 1000 costs 4,4x the CPU (237 -> 1032 s; the bootstrap alone ~0,95 s CPU per
  replication of the three samples both times) and 6,4x the wall time under a heavier load;
  memory grows with B only by the resample positions (int32, 1,6 GB at 1.000 x 400.000 rows in
  the caller, shared with the forked workers): 4,2 GB per worker, 3,6 GB in the caller.
* Not run: the cluster at 200.000 x 1.000 (~40 min on this machine at the load of the day).
* Cluster vs local on one machine: the same numbers (SE column), more CPU (pickling the samples
  to the workers, the scheduler, the nanny processes) and a 10-25 s start; it pays only when the
  workers are other machines.

The matrix (``--matrix-boot 200``), two runs: 12 builds in 172 s locally with -j 2 (14 s per
variant) and 205 s on the two-worker cluster (17 s) at load 10; 75 s (6 s) and 208 s (17 s) at
load 4 while the test suite ran. Of the summed stage time ~96 pct. is ``execute`` (kernel start,
reading and deriving BOT's synthetic data once per variant, ~5 s, then the estimate), HTML 3
pct., publishing 1 pct.: a variant costs its kernel and its data, not its bootstrap. Peak
memory: about 1 GB for all local processes together, 175 MB per worker. The two sites are
byte-identical (61 files; this comparison found two bugs, fixed: the workers did not get the
caller's SOURCE_DATE_EPOCH, and manifests named the Python executable as the process was started).

Re-run 2026-11-30 22:03 (main at faf9b02, ``--no-analysis``, idle machine, load 1,1), after the
build-time work of issue 11 (data read once, kernel set-up, the bootstrap's rounds): 12 builds in
27 s locally with -j 2 (2,3 s per variant; execute summed 33 s, HTML 1 s; all processes at most
840 MB) and 26 s on the two-worker cluster (2,1 s; largest worker 132 MB); the two sites
byte-identical (61 files). Against 75-172 s before: the variants now cost little more than their
kernels.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KOMMUNER = ["Høje-Taastrup", "Rudersdal", "Fredericia", "Haderslev", "Egedal", "Aabenraa", "Ringsted", "Faxe",
            "Thisted", "Odder", "Kerteminde"]
SHARES = np.array([1278, 900, 873, 785, 641, 610, 484, 455, 407, 359, 343], float)   # BOT's persons.csv
TREATED_SHARE = 476 / 8000


def bot_like(n: int, seed: int = 1):
    """t (0/1), covariates, outcomes (n x 331), municipality codes and gender of n persons."""
    rng = np.random.default_rng(seed)
    kom = rng.choice(len(KOMMUNER), n, p=SHARES / SHARES.sum())
    male = (rng.random(n) < 0.55).astype(float)
    cols = {f"kom_{k}": (kom == k).astype(float) for k in range(len(KOMMUNER) - 1)}
    cols["male"] = male
    for j in range(23):
        cols[f"lag_{j}"] = (rng.random(n) < 0.2 + 0.02 * (j % 10)).astype(float)
    for j in range(21):
        cols[f"x_{j}"] = rng.normal(size=n)
    X = pd.DataFrame(cols)
    eta = X.to_numpy() @ rng.normal(0, 0.25, X.shape[1])
    t = np.zeros(n, int)
    t[np.argsort(eta + rng.gumbel(size=n))[-round(TREATED_SHARE * n):]] = 1
    weekly = [(rng.random((n, 53)) < 0.05 + 0.1 * rng.random() + 0.05 * t[:, None]).astype(float)
              for _ in range(6)]
    Y = np.column_stack(weekly + [np.cumsum(rng.random((n, 13)) * 0.3, axis=1) / np.arange(1, 14)])
    return t, X, Y, kom, male


def sample_tasks(t, X, Y, kom, male):
    from analysis import psm

    specs = {"(1)": psm.MatchingSpec("ridge", bandwidth="cv"),
             "(2)": psm.MatchingSpec("ridge", exact=True, bandwidth="cv")}
    samples = {"alle": np.arange(len(t)), "mænd": np.flatnonzero(male == 1), "kvinder": np.flatnonzero(male == 0)}
    return [psm.SampleTask(key, rows, t, X, Y, specs, cells=kom, cv_outcome=Y[:, -1],
                           seed=np.random.SeedSequence([14, i]))
            for i, (key, rows) in enumerate(samples.items())]


def _peak_mb(who=resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def _import_psm() -> None:
    import analysis.psm  # noqa: F401


def _worker_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_s(who=resource.RUSAGE_SELF) -> float:
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def _cpu_now(mapper) -> float:
    """CPU seconds used so far by this process and its finished children, or by the cluster's workers."""
    if mapper is None:
        return _cpu_s() + _cpu_s(resource.RUSAGE_CHILDREN)
    return _cpu_s() + sum(mapper.client().run(_cpu_s).values())


def run_cell(n: int, n_boot: int, executor: str) -> dict:
    """One measurement, in this (fresh) process."""
    from analysis import psm

    out = {"n": n, "boot": n_boot, "executor": executor}
    start = time.perf_counter()
    data = bot_like(n)
    tasks = sample_tasks(*data)
    out["data_s"] = time.perf_counter() - start
    out["treated"] = int(data[0].sum())
    mapper, cluster = None, None
    if executor == "cluster":
        from distributed import LocalCluster

        from evalreport.author.cluster import ClusterMap
        start = time.perf_counter()
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                               silence_logs=40, memory_limit=0)
        mapper = ClusterMap(cluster.scheduler_address)
        mapper.client().wait_for_workers(2)
        mapper.client().run(_import_psm)        # imports are part of the start, not of the work
        out["cluster_start_s"] = time.perf_counter() - start
    try:
        start = time.perf_counter()
        psm.estimate_samples(tasks, n_boot=0, workers=2, mapper=mapper)
        out["fixed_s"] = time.perf_counter() - start
        start, cpu = time.perf_counter(), _cpu_now(mapper)
        res = psm.estimate_samples(tasks, n_boot=n_boot, workers=2, mapper=mapper)
        out["total_s"] = time.perf_counter() - start
        out["cpu_s"] = _cpu_now(mapper) - cpu
        frame = res["alle"].frame
        out["se_check"] = float(frame["se"].iloc[0])          # the same number on both executors
        if cluster is not None:
            peaks = mapper.client().run(_worker_peak_mb)
            out["worker_peak_mb"] = max(peaks.values())
            mapper.client().close()
        else:
            out["worker_peak_mb"] = _peak_mb(resource.RUSAGE_CHILDREN)
    finally:
        if cluster is not None:
            cluster.close()
    out["caller_peak_mb"] = _peak_mb()
    return out


def analysis_part(cases, executors) -> list[dict]:
    rows = []
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    for n, b in cases:
        for ex in executors:
            proc = subprocess.run([sys.executable, __file__, "--cell", str(n), str(b), ex], env=env,
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                print(f"  N={n} B={b} {ex}: fejlede\n{proc.stderr[-2000:]}", flush=True)
                continue
            row = json.loads(proc.stdout.strip().splitlines()[-1])
            rows.append(row)
            print(_analysis_line(row, rows), flush=True)
    return rows


def _analysis_line(r: dict, rows: list[dict]) -> str:
    boot = r["total_s"] - r["fixed_s"]
    base = next(x for x in rows if x["executor"] == r["executor"])
    base_boot = base["total_s"] - base["fixed_s"]
    per_person = (boot / (r["n"] * r["boot"])) / (base_boot / (base["n"] * base["boot"]))
    start = f" (+{r['cluster_start_s']:.1f} s start)" if "cluster_start_s" in r else ""
    return (f"  {r['n']:>7,} {r['boot']:>5} {r['executor']:<8} {r['data_s']:7.1f} {r['fixed_s']:7.1f} "
            f"{boot:8.1f} {1000 * boot / max(r['boot'], 1):9.0f} {r['total_s']:8.1f}{start:<16} {r['cpu_s']:7.0f} "
            f"{r['caller_peak_mb']:7.0f} {r['worker_peak_mb']:7.0f} {per_person:8.2f}  SE {r['se_check']:.6f}"
            ).replace(",", ".")


# -- part 2: the per-municipality matrix -------------------------------------------------------

_STAGE = re.compile(r"^\[(?P<who>[^\]]+)\] (?P<stage>.+?) færdig på (?P<s>[\d.]+) s$")


def _project(folder: Path, n_boot: int) -> Path:
    folder.mkdir(parents=True)
    (folder / "_quarto.yml").write_text("project:\n  type: website\n  output-dir: _site\n", encoding="utf-8")
    (folder / "data" / "synthetic").mkdir(parents=True)
    os.symlink(ROOT / "data" / "synthetic" / "bot", folder / "data" / "synthetic" / "bot")
    (folder / "reports" / "kommune").mkdir(parents=True)
    text = (ROOT / "benchmarks" / "scale_kommune.qmd").read_text(encoding="utf-8")
    text = text.replace("n_boot = 200", f"n_boot = {n_boot}")
    (folder / "reports" / "kommune" / "index.qmd").write_text(text, encoding="utf-8")
    return folder


def _build(folder: Path, extra: list[str]) -> dict:
    import psutil

    evalreport = Path(sys.executable).parent / "evalreport"
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+", encoding="utf-8") as err:
        proc = subprocess.Popen([str(evalreport), "build", "kommune", "--matrix", "--to", "html", "--no-cache",
                                 *extra], cwd=folder, stdout=subprocess.DEVNULL, stderr=err, text=True,
                                env={**os.environ, "OPENBLAS_NUM_THREADS": "1",
                                     # the stamp's time (outside git: the newest input, i.e. the copy's mtime)
                                     "SOURCE_DATE_EPOCH": "1764460800"})
        peak, root = 0, psutil.Process(proc.pid)
        while proc.poll() is None:         # the build's processes (command, pool, kernels) sampled
            try:
                tree_rss = sum(p.memory_info().rss for p in [root, *root.children(recursive=True)])
                peak = max(peak, tree_rss)
            except psutil.Error:
                pass
            time.sleep(0.5)
        wall = time.perf_counter() - start
        err.seek(0)
        stderr = err.read()
    if proc.returncode != 0:
        raise SystemExit(f"evalreport build fejlede:\n{stderr[-3000:]}")
    stages: dict[str, float] = {}
    variants = set()
    for line in stderr.splitlines():
        m = _STAGE.match(line.strip())
        if m and not m["stage"].startswith("celle"):
            stages[m["stage"]] = stages.get(m["stage"], 0.0) + float(m["s"])
            variants.add(m["who"])
    return {"wall": wall, "stages": stages, "builds": len(variants), "peak_mb": peak / 2 ** 20}


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def matrix_part(n_boot: int, executors) -> None:
    sites = {}
    with tempfile.TemporaryDirectory(prefix="scale-matrix-") as tmp:
        for ex in executors:
            folder = _project(Path(tmp) / ex, n_boot)
            cluster, extra, worker_peak = None, ["-j", "2"], None
            if ex == "cluster":
                from distributed import Client, LocalCluster
                cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                       silence_logs=40, memory_limit=0)
                extra = ["--scheduler", cluster.scheduler_address]
            try:
                r = _build(folder, extra)
                if cluster is not None:
                    with Client(cluster.scheduler_address, set_as_default=False) as client:
                        worker_peak = max(client.run(_worker_peak_mb).values())
            finally:
                if cluster is not None:
                    cluster.close()
            sites[ex] = tree(folder / "_site" / "reports")
            stages = ", ".join(f"{k} {v:.0f} s" for k, v in sorted(r["stages"].items(), key=lambda kv: -kv[1]))
            mem = f"; kommandoens processer højst {r['peak_mb']:.0f} MB i alt"
            mem += f"; største arbejder {worker_peak:.0f} MB" if worker_peak else ""
            print(f"  {ex:<8} {r['builds']} bygninger på {r['wall']:.0f} s ({r['wall'] / max(r['builds'], 1):.1f} s "
                  f"pr. variant); summeret over varianterne: {stages}{mem}", flush=True)
    if len(sites) == 2:
        a, b = sites.values()
        same = sorted(a) == sorted(b) and all(a[k] == b[k] for k in a)
        differ = sorted(set(a) ^ set(b)) + [k for k in a if k in b and a[k] != b[k]]
        print(f"  samme bytes lokalt og på klyngen: {'ja' if same else 'NEJ: ' + ', '.join(differ[:8])} "
              f"({len(a)} filer)")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="8000,50000,200000")
    ap.add_argument("--boots", default="200,1000")
    ap.add_argument("--executors", default="local,cluster")
    ap.add_argument("--cases", help="instead of sizes x boots: N x B pairs, e.g. 8000x200,50000x200")
    ap.add_argument("--matrix-boot", type=int, default=200, help="bootstrap replications per variant")
    ap.add_argument("--no-analysis", action="store_true")
    ap.add_argument("--no-matrix", action="store_true")
    ap.add_argument("--cell", nargs=3, metavar=("N", "B", "EXECUTOR"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.cell:
        print(json.dumps(run_cell(int(args.cell[0]), int(args.cell[1]), args.cell[2])))
        return
    executors = args.executors.split(",")
    print(f"# {time.strftime('%Y-%m-%d %H:%M')} · {os.cpu_count()} kerner · belastning "
          f"{os.getloadavg()[0]:.1f} · OPENBLAS_NUM_THREADS=1")
    if not args.no_analysis:
        print("\n1. Én stor rapports analyse (3 stikprøver x 2 specifikationer x 331 udfald); sekunder, MB")
        print(f"  {'N':>7} {'B':>5} {'executor':<8} {'data':>7} {'fixed':>7} {'bootstr.':>8} {'ms/rep':>9} "
              f"{'total':>8}{'':<16} {'CPU':>7} {'caller':>7} {'worker':>7} {'rel./N·B':>8}")
        if args.cases:
            cases = [tuple(int(v) for v in c.split("x")) for c in args.cases.split(",")]
        else:
            cases = [(int(n), int(b)) for n in args.sizes.split(",") for b in args.boots.split(",")]
        analysis_part(cases, executors)
    if not args.no_matrix:
        print(f"\n2. BOT pr. kommune: 11 varianter + hele rapporten, {args.matrix_boot} replikationer hver, kun HTML")
        matrix_part(args.matrix_boot, executors)


if __name__ == "__main__":
    main()
