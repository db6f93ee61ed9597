"""Cold build time of the Social støtte report (HTML and PDF) against its target of 30 s.

Usage: .venv/bin/python benchmarks/social_build.py [--runs N]

Builds into a temporary output folder (the published site is not touched) and prints, per
run, the total and the time per stage (execute, html, pdf), the three slowest cells and the
machine's load average before the run and the CPU time the build used: on a 2-core machine
shared with other builds the wall-clock time grows with the load, the CPU time does not.
"""
from __future__ import annotations

import argparse
import os
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

TARGET_S = 30.0


def _cpu() -> float:
    """User + system CPU seconds of this process and its finished children (the kernel)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=1)
    args = ap.parse_args(argv)
    project = load_project(ROOT)
    totals = []
    for run in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            proj = replace(project, quarto={**project.quarto, "project": {"output-dir": tmp}})
            load = os.getloadavg()[0]
            cpu0 = _cpu()
            start = time.perf_counter()
            result = build_report(proj, "social", BuildOptions(to="all", engine="builtin", quiet=True))
            total = time.perf_counter() - start
            cpu = _cpu() - cpu0
        totals.append(total)
        stages = ", ".join(f"{k} {v:.1f} s" for k, v in result.timings.items())
        print(f"run {run + 1}: total {total:5.1f} s ({stages}; {result.pages} sider), load before {load:.1f}, "
              f"CPU time {cpu:.1f} s (build process and kernel; on an idle machine the wall time is close to it)")
        for number, line, label, secs in sorted(result.cells, key=lambda c: -c[3])[:3]:
            print(f"        cell {number:3d} (line {line:4d}{', ' + label if label else ''}): {secs:5.1f} s")
    best = min(totals)
    print(f"best of {len(totals)}: {best:.1f} s — target {TARGET_S:.0f} s: {'met' if best < TARGET_S else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
