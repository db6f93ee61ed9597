"""Before/after timing of the data-contract check (``evalreport.author.data.read_dataset``).

Usage::

    .venv/bin/python benchmarks/contract_check.py [--before REV] [--rounds 3] [--cold] [SLUG ...]

For each report's data folder (``data/synthetic/<slug>``, contract ``CONTRACT`` of
``analysis.synthetic.<slug>``; default all five) it times :func:`read_dataset` with

* **before**: ``evalreport/author/data.py`` as of git revision ``--before`` (default ``1670881``,
  the per-column check), loaded from git into this process;
* **after**: the working tree's module,

and prints the median wall time of ``--rounds`` calls of each (after one call of each that is not
counted: the first call in a process pays for pandera's lazy imports), and the share of it spent
in ``check_frame``. Both versions read the files the same way, so the difference is the check.
``--cold`` also runs ``--rounds`` fresh processes per version and slug and prints the median time
of their first ``read_dataset`` (the import of pandera, about a fifth of a second, is counted
apart), which is what a report's build pays. Both versions are loaded in each process and a full
garbage collection is made before the timed call: the collection the freshly imported modules are
due (some 0,08 s) otherwise falls on whichever code allocates next, in one version's call and not
the other's. Keep runs few on a shared machine: the figures are wall times.
"""
from __future__ import annotations

import argparse
import importlib
import statistics
import subprocess
import sys
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SLUGS = ("oto", "bot", "social", "bip", "star")


def load_before(rev: str) -> types.ModuleType:
    source = subprocess.run(["git", "show", f"{rev}:evalreport/author/data.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    module = types.ModuleType("evalreport.author._data_before")
    module.__package__ = "evalreport.author"
    module.__file__ = f"<{rev}:evalreport/author/data.py>"
    exec(compile(source, module.__file__, "exec"), module.__dict__)
    return module


def timed(module, slug: str) -> tuple[float, float]:
    """Wall time of one read_dataset of ``slug``'s folder, and the part of it in check_frame."""
    contract = importlib.import_module(f"analysis.synthetic.{slug}").CONTRACT
    inner = module.check_frame
    spent = [0.0]

    def check_frame(*args, **kwargs):
        t = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - t

    module.check_frame = check_frame
    try:
        t = time.perf_counter()
        module.read_dataset(ROOT / "data" / "synthetic" / slug, contract)
        return time.perf_counter() - t, spent[0]
    finally:
        module.check_frame = inner


COLD = """
import gc, sys, time, importlib
sys.path.insert(0, {root!r})
sys.argv = ["x"]
t = time.perf_counter(); import pandas; t_pd = time.perf_counter() - t
t = time.perf_counter(); import pandera.pandas; t_pa = time.perf_counter() - t
bench = importlib.import_module("benchmarks.contract_check")
modules = bench.load_before({rev!r}), importlib.import_module("evalreport.author.data")
importlib.import_module("analysis.synthetic.{slug}")
gc.collect()            # the full collection the imports are due: whichever version ran first paid it
wall, check = bench.timed(modules[0] if {before!r} else modules[1], {slug!r})
print(f"{{t_pa:.3f}} {{wall:.3f}} {{check:.3f}}")
"""


def cold(slug: str, rev: str, before: bool) -> tuple[float, float, float]:
    out = subprocess.run([sys.executable, "-c", COLD.format(root=str(ROOT), rev=rev, before=before, slug=slug)],
                         cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return tuple(float(x) for x in out.split())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("slugs", nargs="*", default=list(SLUGS))
    parser.add_argument("--before", default="1670881")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cold", action="store_true")
    args = parser.parse_args()
    t = time.perf_counter()
    import pandera.pandas  # noqa: F401
    print(f"import pandera.pandas: {time.perf_counter() - t:.3f} s (not in the figures below)")
    before = load_before(args.before)
    after = importlib.import_module("evalreport.author.data")
    for slug in args.slugs:                                 # not counted: first calls, lazy imports
        timed(before, slug), timed(after, slug)
    print(f"read_dataset, median of {args.rounds} (s); in parentheses the part in check_frame")
    print(f"{'data':8} {'before':>16} {'after':>16} {'saved':>7}")
    total = [0.0, 0.0]
    for slug in args.slugs:
        runs = {"before": [], "after": []}
        for _ in range(args.rounds):
            runs["before"].append(timed(before, slug))
            runs["after"].append(timed(after, slug))
        b = [statistics.median(x) for x in zip(*runs["before"])]
        a = [statistics.median(x) for x in zip(*runs["after"])]
        total[0] += b[0]
        total[1] += a[0]
        print(f"{slug:8} {b[0]:7.3f} ({b[1]:.3f}) {a[0]:7.3f} ({a[1]:.3f}) {b[0] - a[0]:7.3f}")
    print(f"{'all':8} {total[0]:7.3f} {'':8} {total[1]:7.3f} {'':8} {total[0] - total[1]:7.3f}")
    if args.cold:
        print(f"\nfirst read_dataset in a fresh process, median of {args.rounds} (s; import pandera.pandas apart)")
        print(f"{'data':8} {'before':>16} {'after':>16} {'saved':>7}")
        for slug in args.slugs:
            runs = [(cold(slug, args.before, True), cold(slug, args.before, False)) for _ in range(args.rounds)]
            (pb, wb, cb), (pa_, wa, ca) = ([statistics.median(x) for x in zip(*(r[i] for r in runs))]
                                           for i in (0, 1))
            print(f"{slug:8} {wb:7.3f} ({cb:.3f}) {wa:7.3f} ({ca:.3f}) {wb - wa:7.3f}"
                  f"   import pandera {pb:.3f} / {pa_:.3f}")


if __name__ == "__main__":
    main()
