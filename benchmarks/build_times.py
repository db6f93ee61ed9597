"""Print the cold build time per stage for every report, and a rebuild with nothing changed.

Usage: .venv/bin/python benchmarks/build_times.py [SLUG...]

For each report it also prints the slowest cells and the share of the build
spent in cells that run a bootstrap (cells whose code calls ``estimate_samples``,
``estimate_att`` or ``effects_over_time``, or names ``n_boot``). Targets (HTML and PDF,
2-core machine): BOT under 90 s, BIP under 20 s, the STAR note under 10 s. Besides wall time
it prints the CPU seconds of the build and its kernel, which say what the build costs on a
machine shared with other work.

Measured 2026-11-30 15:47-15:49 (main 60a0e8d, machine otherwise idle, load 0,3-0,9), five
cold BIP builds in a row: 18,4 / 20,8 / 19,5 / 20,4 / 22,8 s (CPU 18,7-23,2 s; execute 9,9-11,8 s,
PDF 6,6-9,2 s), median 20,4 s: the 20 s target is met in two runs of five. The STAR note: 7,5 s.
The spread is the machine's (the CPU seconds vary as much as the wall time).

Measured 2026-11-30 17:22-17:25 (main after the third session's changes, machine otherwise
idle): five cold BIP builds 16,1 / 17,1 / 17,0 / 16,2 / 16,0 s (CPU 16,4-17,6 s; execute 8,5-9,1 s,
PDF 5,9-6,4 s), median 16,2 s: the 20 s target is met in every run. The STAR note: 5,8 s. BOT:
38,6 s (execute 19,4 s, of which the estimations 12,1 s; PDF 16,2 s for 47 pages laid out twice).

Builds into a temporary copy of the output folder so the published site is not
touched. "Cold" executes and renders everything (``--no-cache``: the build
cache is refreshed, not read); the rebuild repeats it with the same inputs and
the cache on, so it is the no-op a user sees (see benchmarks/incremental.py
for the incremental scenarios beside the naive pipeline).
"""
from __future__ import annotations

import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from evalreport.build import BuildOptions, build_report  # noqa: E402
from evalreport.config import load_project  # noqa: E402
from evalreport.engine.qmd import read_qmd  # noqa: E402

BOOTSTRAP_MARKERS = ("estimate_samples", "estimate_att", "effects_over_time", "n_boot")
TARGETS = {"bot": 90, "bip": 20, "star": 10}      # seconds, HTML + PDF, cold


def _cpu() -> float:
    """CPU seconds (user + system) of this process and its finished children (the kernels)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def main(slugs: list[str]) -> None:
    project = load_project(ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        project = replace(project, quarto={**project.quarto, "project": {"output-dir": tmp}})
        for slug in slugs or project.report_slugs():
            for label in ("cold", "rebuild, nothing changed"):
                start, cpu0 = time.perf_counter(), _cpu()
                result = build_report(project, slug, BuildOptions(to="all", engine="builtin", quiet=True,
                                                                  cache=label != "cold"))
                total, cpu = time.perf_counter() - start, _cpu() - cpu0
                stages = ", ".join(f"{k} {v:.1f} s" for k, v in result.timings.items())
                target = TARGETS.get(slug)
                verdict = "" if target is None else f"; target {target} s: {'ok' if total < target else 'over'}"
                print(f"{slug:8s} {label:26s} total {total:6.1f} s, CPU {cpu:5.1f} s   ({stages}; "
                      f"{result.pages} sider{verdict})")
                if label == "cold":
                    report_cells(project, slug, result, total)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory: build process {peak:.0f} MB, largest kernel {kids:.0f} MB")


def report_cells(project, slug, result, total: float) -> None:
    sources = {c.number: c.source for c in read_qmd(project.report_path(slug)).cells}
    boot = sum(secs for number, _, _, secs in result.cells
               if any(m in sources.get(number, "") for m in BOOTSTRAP_MARKERS))
    for number, line, label, secs in sorted(result.cells, key=lambda c: -c[3])[:3]:
        print(f"{'':8s}   cell {number:3d} (line {line:4d}{', ' + label if label else ''}): {secs:6.1f} s")
    print(f"{'':8s}   bootstrap cells: {boot:.1f} s = {100 * boot / total:.0f} % of the build")


if __name__ == "__main__":
    main(sys.argv[1:])
