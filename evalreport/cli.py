"""Command line: ``evalreport build|list``."""
from __future__ import annotations

import argparse
import sys
import time

import yaml

from .build import BuildOptions, build_report
from .config import load_project
from .engines import ENGINES
from .errors import CellExecutionFailed, EvalReportError
from .qmd import read_qmd


def parse_param(text: str) -> tuple[str, object]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"parameter '{text}' skal skrives navn=værdi")
    name, raw = text.split("=", 1)
    name = name.strip()
    if not name.isidentifier():
        raise argparse.ArgumentTypeError(f"ugyldigt parameternavn '{name}'")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    return name, value


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="evalreport",
                                     description="Bygger evalueringsrapporter (.qmd) til HTML og PDF.")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="byg rapporter (alle, hvis ingen nævnes)")
    b.add_argument("slugs", nargs="*", metavar="SLUG")
    b.add_argument("--to", choices=("html", "pdf", "all"), default="all")
    b.add_argument("--engine", choices=ENGINES, default="auto")
    b.add_argument("-P", "--param", dest="params", action="append", type=parse_param, default=[],
                   metavar="NAME=VALUE", help="sæt en parameter i rapportens parameters-celle")
    b.add_argument("--quiet", "-q", action="store_true", help="ingen fremdriftslinjer (til CI)")
    sub.add_parser("list", help="vis projektets rapporter")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    try:
        project = load_project()
        if args.command == "list":
            for slug in project.report_slugs():
                fm = read_qmd(project.report_path(slug)).front_matter
                print(f"{slug}\t{fm.get('version', '?')}\t{fm.get('title', '')}")
            return 0
        slugs = args.slugs or project.report_slugs()
        for slug in slugs:          # fail early on a typo, before any long build
            project.report_path(slug)
        options = BuildOptions(to=args.to, engine=args.engine, params=dict(args.params), quiet=args.quiet)
        start = time.perf_counter()
        for slug in slugs:
            result = build_report(project, slug, options)
            if not args.quiet:
                rel = result.folder.relative_to(project.root)
                print(f"[{slug}] færdig: {rel}/ ({sum(result.timings.values()):.1f} s"
                      + (f", {result.pages} sider" if result.pages else "") + ")", file=sys.stderr)
        if not args.quiet and len(slugs) > 1:
            print(f"alle rapporter bygget på {time.perf_counter() - start:.1f} s", file=sys.stderr)
        return 0
    except CellExecutionFailed as exc:
        print(f"evalreport: {exc}", file=sys.stderr)
        print("Intet af rapporten er udgivet; den tidligere udgave er uændret.", file=sys.stderr)
        return 2
    except EvalReportError as exc:
        print(f"evalreport: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
