"""Command line: ``evalreport build|list|diff|publish|preview``.

Exit status: 0 on success (``diff``: no differences), 1 when ``diff`` finds
differences, 2 on an error (a failing cell, an unknown report or version, a
published version whose content would change, bad input data, a file that
cannot be read or written), 130 on Ctrl-C and 143 on SIGTERM — in both cases
the kernel is shut down, temporary folders are removed and nothing is half
published.
"""
from __future__ import annotations

import argparse
import errno
import json
import os
import re
import signal
import sys
import time
from pathlib import Path

import yaml

from .build import BuildOptions, stage_report
from .config import load_project
from .engine.qmd import read_qmd
from .engine.quarto import ENGINES
from .errors import CellExecutionFailed, EvalReportError


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
    b.add_argument("--force", action="store_true",
                   help="overskriv en udgivet version, selv om dens tabeller ændrer sig (med advarsel)")
    b.add_argument("--explain", action="store_true",
                   help="vis for hver rapport, om den ville blive bygget og hvorfor, uden at bygge")
    b.add_argument("--no-cache", action="store_true",
                   help="kør og tegn alt forfra uden at bruge .evalreport-cache/ (cachen opdateres)")
    b.add_argument("-j", "--jobs", type=int, default=None, metavar="N",
                   help="byg op til N rapporter ad gangen (standard: antal kerner)")
    b.add_argument("--matrix", action="store_true",
                   help="byg også hver variant af rapportens parametermatrix (evalreport: matrix)")
    b.add_argument("--variant", action="append", default=[], metavar="NAVN",
                   help="byg kun denne variant af rapporten (kan gentages)")
    b.add_argument("--scheduler", default=None, metavar="ADRESSE",
                   help="byg på en Dask-klynge, fx tcp://10.0.0.5:8786 (standard: $EVALREPORT_SCHEDULER; "
                        "uden: lokale processer)")
    sub.add_parser("list", help="vis projektets rapporter")

    v = sub.add_parser("preview", help="vis en rapport i browseren og byg den igen, når en fil gemmes",
                       description="Bygger rapporten (med cachen) i en forhåndsvisning, der ikke "
                                   "udgives, serverer sitet på localhost og genindlæser siden i "
                                   "browseren, hver gang rapporten er bygget igen.")
    v.add_argument("slug", metavar="SLUG")
    v.add_argument("--port", type=int, default=4848, help="port på localhost (0: en ledig)")
    v.add_argument("--to", choices=("html", "all"), default="html")
    v.add_argument("-P", "--param", dest="params", action="append", type=parse_param, default=[],
                   metavar="NAME=VALUE")
    v.add_argument("--no-browser", action="store_true", help="åbn ikke browseren")

    d = sub.add_parser(
        "diff", help="sammenlign to versioner af en rapport (tabeller celle for celle, og teksten)",
        description="Sammenligner OLD med NEW. Uden versioner: den seneste udgivne version med "
                    "arbejdskopien (rapporten bygges i en midlertidig mappe og udgives ikke). "
                    "En version er et versionsnummer, 'latest', 'working' (arbejdskopien) eller en "
                    "mappe med tables/. Exit-status: 0 ens, 1 forskellige, 2 fejl.")
    d.add_argument("slug", metavar="SLUG")
    d.add_argument("old", nargs="?", default="latest", metavar="OLD")
    d.add_argument("new", nargs="?", default="working", metavar="NEW")
    d.add_argument("--tolerance", type=float, default=0.0, metavar="T",
                   help="tal, der afviger højst T, regnes for ens (trykte enheder for trykte celler)")
    d.add_argument("--format", choices=("text", "json"), default="text")
    d.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    d.add_argument("--site", type=Path, default=None, metavar="DIR",
                   help="sitet med de udgivne versioner (standard: projektets _site)")
    d.add_argument("--html", type=Path, default=None, metavar="FILE",
                   help="skriv diff-siden hertil (standard: <site>/reports/<slug>/diff/<old>_<new>.html)")
    d.add_argument("--no-html", action="store_true", help="skriv ingen diff-side")
    d.add_argument("--engine", choices=ENGINES, default="auto")
    d.add_argument("-P", "--param", dest="params", action="append", type=parse_param, default=[],
                   metavar="NAME=VALUE", help="parameter til bygningen af arbejdskopien")
    d.add_argument("--quiet", "-q", action="store_true", help="ingen fremdriftslinjer")
    d.add_argument("--variant", default=None, metavar="NAVN",
                   help="sammenlign denne variant af rapportens parametermatrix i begge versioner "
                        "(to varianter sammenlignes med fx 1.0.0/odder 1.0.0/thisted)")

    p = sub.add_parser("publish", help="byg rapporterne og læg alle versioner og sitets forside på plads",
                       description="Bygger rapporternes aktuelle versioner og samler sitet i en "
                                   "midlertidig mappe, der flyttes på plads til sidst. Versioner, der "
                                   "allerede ligger i destinationen, bevares altid.")
    p.add_argument("slugs", nargs="*", metavar="SLUG")
    p.add_argument("--dest", type=Path, default=None, metavar="DIR",
                   help="destinationen (standard: projektets _site)")
    p.add_argument("--no-build", action="store_true", help="udgiv det, der allerede er bygget i _site")
    p.add_argument("--to", choices=("html", "pdf", "all"), default="all")
    p.add_argument("--engine", choices=ENGINES, default="auto")
    p.add_argument("-P", "--param", dest="params", action="append", type=parse_param, default=[],
                   metavar="NAME=VALUE")
    p.add_argument("--force", action="store_true",
                   help="overskriv en udgivet version med ændrede tabeller (med advarsel)")
    p.add_argument("--quiet", "-q", action="store_true")
    return parser


WORKING_NAMES = ("working", "arbejdskopi", ".")


def _resolve_version(site_dir: Path, slug: str, spec: str, variant: str | None = None):
    """A published version (number or 'latest'; with ``variant``: that variant of it; or
    ``<version>/<variant>``) or a build folder given as a path."""
    from .outputs.diff import side
    from .outputs.manifest import read_manifest
    from .outputs.site import report_versions
    from .outputs.variants import side_label, variant_versions

    def site_side(folder: Path):
        return side(folder, side_label(read_manifest(folder), folder), site_version=True)

    report_dir = site_dir / "reports" / slug
    if variant:
        folders = variant_versions(report_dir, variant)
        if spec == "latest" and folders:
            return site_side(folders[0])
        if (report_dir / spec / variant / "manifest.json").exists():
            return site_side(report_dir / spec / variant)
        known = ", ".join(f.parent.name for f in folders) or "ingen"
        raise EvalReportError(f"Varianten '{variant}' af '{slug}' findes ikke i version '{spec}' i {site_dir} "
                              f"(versioner med varianten: {known}).")
    if spec == "latest":
        versions = report_versions(report_dir)
        if not versions:
            raise EvalReportError(f"Der er ingen udgivne versioner af '{slug}' i {site_dir} at "
                                  "sammenligne med (byg først en version med evalreport build).")
        return site_side(report_dir / versions[0]["folder"])
    if ".." not in Path(spec).parts and (report_dir / spec / "manifest.json").exists():
        return site_side(report_dir / spec)
    path = Path(spec)
    if path.is_dir() and ((path / "tables").is_dir() or (path / "manifest.json").exists()):
        return side(path.resolve())
    known = ", ".join(v["folder"] for v in report_versions(report_dir)) or "ingen"
    raise EvalReportError(f"Version '{spec}' af '{slug}' findes ikke i {site_dir} "
                          f"(udgivne versioner: {known}; en variant skrives <version>/<variant>).")


def _use_colour(choice: str) -> bool:
    if choice != "auto":
        return choice == "always"
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def run_diff(project, args) -> int:
    from .outputs import diff as D
    from .outputs.site import WORKING, write_diff_page

    slug = args.slug
    project.report_path(slug)
    site_dir = (args.site or project.output_dir).resolve()
    staged = []
    try:
        sides = []
        for spec in (args.old, args.new):
            if spec in WORKING_NAMES:
                options = BuildOptions(to="html", engine=args.engine, params=dict(args.params),
                                       quiet=args.quiet, variant=args.variant)
                build = stage_report(project, slug, options)
                staged.append(build)
                work = D.side(build.folder, f"{WORKING}/{args.variant}" if args.variant else WORKING)
                work.working = True
                sides.append(work)
            else:
                sides.append(_resolve_version(site_dir, slug, spec, args.variant))
        result = D.compare(sides[0], sides[1], tolerance=args.tolerance, report=slug)
        if args.format == "json":
            sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n")
        else:
            sys.stdout.write(D.format_text(result, colour=_use_colour(args.color)))
        sys.stdout.flush()
        if not args.no_html:
            stem = "_".join(re.sub(r"[^\w.+-]", "-", s.label) for s in sides)
            if args.html is not None:
                page = D.write_html(result, args.html)
            else:
                page = write_diff_page(project, site_dir, slug, result, stem)
            if not args.quiet:
                print(f"diff-side: {page}", file=sys.stderr)
        return 0 if result.equal else 1
    finally:
        for build in staged:
            build.discard()


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so that every ``finally`` runs (kernel, staging)."""


def _on_sigterm(signum, frame):
    raise Terminated()


def _os_error_sentence(exc: OSError) -> str:
    where = exc.filename or ""
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"Ingen adgang til {where}: tjek rettighederne til filen eller mappen."
    if exc.errno == errno.ENOSPC:
        return f"Disken er fuld ({where}). Frigør plads og byg igen; intet er udgivet halvt."
    if exc.errno == errno.EROFS:
        return f"{where} ligger på et skrivebeskyttet filsystem."
    if exc.errno == errno.ENOENT:
        return f"{where} findes ikke."
    return f"{where}: {exc.strerror or exc}"


def _slug_here(project) -> str | None:
    """The report whose folder (reports/<slug>/…) the command is run from, if any."""
    try:
        rel = Path.cwd().resolve().relative_to(project.reports_dir.resolve())
    except ValueError:
        return None
    return rel.parts[0] if rel.parts and (project.reports_dir / rel.parts[0] / "index.qmd").is_file() else None


def build_tasks(project, slugs: list[str], options: BuildOptions, *, matrix: bool = False,
                variants: list[str] | None = None) -> list:
    """One task per report, and with ``matrix`` one more per variant of its matrix;
    ``variants``: only these variants (of a single report)."""
    import dataclasses

    from .matrix import read_matrix
    from .parallel import ReportTask

    if variants and len(slugs) != 1:
        raise EvalReportError("--variant kræver præcis én rapport, fx: evalreport build bot --variant odder")
    tasks = []
    for slug in slugs:
        if variants:
            found = read_matrix(project, slug)
            if found is None:
                raise EvalReportError(f"Rapporten '{slug}' har ingen parametermatrix (evalreport: matrix i "
                                      "forsiden), så den har ingen varianter")
            for name in dict.fromkeys(variants):
                found.variant(name)                      # an unknown name fails before any build
                tasks.append(ReportTask(project, slug, dataclasses.replace(options, variant=name)))
            continue
        tasks.append(ReportTask(project, slug, options))
        found = read_matrix(project, slug) if matrix else None
        for v in found.variants if found is not None else []:
            tasks.append(ReportTask(project, slug, dataclasses.replace(options, variant=v.name)))
    return tasks


def run_builds(project, slugs: list[str], options: BuildOptions, jobs: int | None, *,
               matrix: bool = False, variants: list[str] | None = None, scheduler: str | None = None) -> int:
    """Build the reports (and their variants), up to ``jobs`` at a time or on a Dask
    cluster (``scheduler``); builds that are up to date are settled first, in this
    process, without building anything. A variant refused because all its headline
    results would be hidden is reported and not published; the others publish."""
    from .incremental import Checker
    from .parallel import build_one, default_jobs, make_executor
    from .progress import Display

    start = time.perf_counter()
    tasks = build_tasks(project, slugs, options, matrix=matrix, variants=variants)
    outcomes = []
    with Display([t.name for t in tasks], quiet=options.quiet) as display:
        pending = []
        checker = Checker(project) if options.cache else None
        for task in tasks:
            if checker is not None and checker.state(task.slug, task.options).up_to_date:
                outcomes.append(build_one(task, display, checker))
            else:
                pending.append(task)
        if checker is not None:
            checker.remember()
        executor = make_executor(jobs or default_jobs(), len(pending), checker, scheduler=scheduler)
        outcomes += list(executor.run(pending, display))
    refused = [o for o in outcomes if o.refused]
    failed = [o for o in outcomes if not o.ok and not o.refused]
    for outcome in refused:
        print(f"evalreport: {outcome.error}", file=sys.stderr)
    for outcome in failed:
        print(f"evalreport: {outcome.error}", file=sys.stderr)
        if outcome.internal:
            print(f"evalreport: intern fejl under bygningen af '{outcome.slug}'", file=sys.stderr)
    if not options.quiet and len(tasks) > 1:
        took = f"{time.perf_counter() - start:.1f} s"
        what = "rapporter" if len(tasks) == len(slugs) else "rapporter og varianter"
        not_published = f"; {len(refused)} ikke udgivet af diskretionshensyn" if refused else ""
        if failed:
            print(f"{len(failed)} af {len(tasks)} {what} fejlede{not_published} ({took})", file=sys.stderr)
        elif all(o.result.unchanged for o in outcomes if o.ok):
            print(f"alle {what} var allerede bygget{not_published} ({took})", file=sys.stderr)
        else:
            print(f"alle {what} bygget på {took}{not_published}", file=sys.stderr)
    return 2 if failed else 0


def run_explain(project, slugs: list[str], options: BuildOptions, *, matrix: bool = False,
                variants: list[str] | None = None) -> int:
    """``build --explain``: what a build would do for each report, and why (nothing is built)."""
    from .incremental import Checker, explain_lines

    tasks = build_tasks(project, slugs, options, matrix=matrix, variants=variants)
    if not options.cache:
        for task in tasks:
            print(f"{task.name}: bygges forfra, fordi --no-cache er givet")
        return 0
    checker = Checker(project)
    for task in tasks:
        print("\n".join(explain_lines(checker.state(task.slug, task.options))))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    previous = None
    try:
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:                     # not in the main thread (tests): leave it
        pass
    try:
        return _main(args)
    except Terminated:
        print("evalreport: stoppet (SIGTERM). Intet er udgivet halvt; kernen er lukket.", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("\nevalreport: afbrudt (Ctrl-C). Intet er udgivet halvt; kernen er lukket.", file=sys.stderr)
        return 130
    except OSError as exc:
        print(f"evalreport: {_os_error_sentence(exc)}", file=sys.stderr)
        return 2
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _main(args) -> int:
    try:
        project = load_project()
        if args.command == "list":
            for slug in project.report_slugs():
                fm = read_qmd(project.report_path(slug)).front_matter
                print(f"{slug}\t{fm.get('version', '?')}\t{fm.get('title', '')}")
            return 0
        if args.command == "diff":
            try:
                return run_diff(project, args)
            except (EvalReportError, KeyboardInterrupt):
                raise
            except Exception:           # exit 1 means "different": a crash must not look like it
                import traceback
                traceback.print_exc()
                print("evalreport diff: intern fejl (exit 2)", file=sys.stderr)
                return 2
        if args.command == "publish":
            from .outputs.publish import publish
            options = BuildOptions(to=args.to, engine=args.engine, params=dict(args.params),
                                   quiet=args.quiet, force=args.force)
            result = publish(project, dest=args.dest, slugs=args.slugs or None,
                             build=not args.no_build, options=options)
            if not args.quiet:
                for what, items in (("ny", result.added), ("overskrevet", result.replaced)):
                    for slug, version in items:
                        print(f"[{slug}] {version}: {what}", file=sys.stderr)
                print(f"udgivet til {result.dest} ({len(result.added)} nye versioner, "
                      f"{len(result.kept)} uændrede)", file=sys.stderr)
            return 0
        if args.command == "preview":
            from .preview import preview
            project.report_path(args.slug)
            return preview(project, args.slug, port=args.port, to=args.to, params=dict(args.params),
                           open_browser=not args.no_browser)
        here = _slug_here(project)
        slugs = args.slugs or ([here] if here else project.report_slugs())
        for slug in slugs:          # fail early on a typo, before any long build
            project.report_path(slug)
        options = BuildOptions(to=args.to, engine=args.engine, params=dict(args.params), quiet=args.quiet,
                               force=args.force, cache=not args.no_cache)
        if args.explain:
            return run_explain(project, slugs, options, matrix=args.matrix, variants=args.variant)
        scheduler = args.scheduler or os.environ.get("EVALREPORT_SCHEDULER") or None
        return run_builds(project, slugs, options, args.jobs, matrix=args.matrix, variants=args.variant,
                          scheduler=scheduler)
    except CellExecutionFailed as exc:
        print(f"evalreport: {exc}", file=sys.stderr)
        print("Intet af rapporten er udgivet; den tidligere udgave er uændret.", file=sys.stderr)
        return 2
    except EvalReportError as exc:
        print(f"evalreport: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
