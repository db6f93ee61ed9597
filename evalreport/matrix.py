"""Parameter matrices: one report built once per combination of parameter values.

A report declares the parameters to vary, and their values, in its front matter
(paths relative to the report's folder)::

    evalreport:
      matrix:
        kommune:                                  # a parameter of the parameters cell
          from: ../../data/synthetic/bot/municipalities.csv
          column: kommune                         # every value in the column, in file order
          where: {in_evaluation: 1}               # optional: only rows with these values
        aar: [2018, 2019]                         # or the values themselves
      variant-title: "BOT i {kommune}"            # optional; default "<title> – <values>"
      headline: [tbl-effekt]                      # optional, see evalreport.outputs.variants

or in ``_quarto.yml`` under ``evalreport: matrices: <slug>:`` (paths relative to
the project; the front matter wins). ``evalreport build SLUG --matrix`` builds
the report and one **variant** per combination (the cartesian product, in the
declared order); ``--variant NAME`` builds chosen ones. A variant is the report
built with the combination's values as ``-P`` parameters, published under the
version as ``_site/reports/<slug>/<version>/<variant>/`` and cached like any
build (its parameters are part of every cache key).

A variant's name is its values written as a folder name: lower case, æ/ø/å as
ae/oe/aa, anything else but letters and digits as ``-``, several values joined
by ``_`` ("Høje-Taastrup" → ``hoeje-taastrup``; ``aarhus_2019``).

Written by hand: Quarto renders parameterised documents one call at a time
(``quarto render -P``) and leaves the loop to a script; there is no declared
matrix to read.
"""
from __future__ import annotations

import csv
import itertools
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .errors import EvalReportError

#: Names a variant folder may not have: the version folder's own content.
RESERVED = {"tables", "figures", "latest", "diff", "index.html", "manifest.json"}


@dataclass(frozen=True)
class Variant:
    """One combination of a report's matrix."""
    name: str                      # folder name under the version
    params: dict                   # parameter -> value
    label: str                     # "Høje-Taastrup" (values joined by ", ")
    title: str                     # the report's title for this variant

    def describe(self) -> str:
        return ", ".join(f"{k} = {v}" for k, v in self.params.items())


@dataclass
class Matrix:
    slug: str
    params: dict[str, list]        # parameter -> values, in the declared order
    title_template: str | None = None
    where: str = ""                # where it was declared (for messages)
    variants: list[Variant] = field(default_factory=list)

    def variant(self, name: str) -> Variant:
        for v in self.variants:
            if v.name == name:
                return v
        known = ", ".join(v.name for v in self.variants) or "ingen"
        raise EvalReportError(f"Rapporten '{self.slug}' har ingen variant '{name}' ({self.where}). "
                              f"Varianterne er: {known}")


_FOLD = {"æ": "ae", "ø": "oe", "å": "aa", "Æ": "ae", "Ø": "oe", "Å": "aa", "ß": "ss"}


def slug_of(value) -> str:
    """A value as (part of) a folder name: ``Høje-Taastrup`` → ``hoeje-taastrup``."""
    text = "".join(_FOLD.get(c, c) for c in str(value))
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def declaration(project, slug: str, front_matter: dict) -> tuple[dict | None, Path, str]:
    """The matrix section for a report, the folder its paths are relative to, and where
    it was found; (None, …) when the report has no matrix."""
    own = (front_matter.get("evalreport") or {})
    qmd = project.report_path(slug)
    if own.get("matrix") is not None:
        return own, qmd.parent, f"{qmd}: evalreport: matrix"
    shared = ((project.settings.get("matrices") or {}).get(slug))
    if shared is not None:
        if not isinstance(shared, dict):
            raise EvalReportError(f"{project.root / '_quarto.yml'}: evalreport: matrices: {slug} skal være "
                                  "en tabel af parametre og deres værdier")
        section = {"matrix": shared.get("matrix", {k: v for k, v in shared.items()
                                                    if k not in ("variant-title", "headline")}),
                   "variant-title": shared.get("variant-title"), "headline": shared.get("headline")}
        return section, Path(project.root), f"{project.root / '_quarto.yml'}: evalreport: matrices: {slug}"
    return None, qmd.parent, ""


def read_matrix(project, slug: str, front_matter: dict | None = None) -> Matrix | None:
    """The report's matrix with every variant, or None when it declares none."""
    if front_matter is None:
        from .engine.qmd import read_qmd
        front_matter = read_qmd(project.report_path(slug)).front_matter
    section, base, where = declaration(project, slug, front_matter)
    if section is None:
        return None
    spec = section.get("matrix")
    if not isinstance(spec, dict) or not spec:
        raise EvalReportError(f"{where}: skriv parametrene og deres værdier, fx 'kommune: [Aarhus, Odense]' "
                              "eller 'kommune: {from: data.csv, column: kommune}'")
    params = {}
    for name, values in spec.items():
        if not str(name).isidentifier():
            raise EvalReportError(f"{where}: '{name}' er ikke et gyldigt parameternavn")
        params[str(name)] = _values(name, values, base, where)
    template = section.get("variant-title")
    matrix = Matrix(slug, params, template, where)
    title = str(front_matter.get("title") or slug)
    seen: dict[str, dict] = {}
    for combo in itertools.product(*params.values()):
        values = dict(zip(params, combo))
        name = "_".join(slug_of(v) for v in combo)
        if not name or name in RESERVED or name.startswith("."):
            raise EvalReportError(f"{where}: værdien {_show(values)} giver varianten navnet '{name}', som "
                                  "ikke kan bruges som mappe (tomt, skjult eller et navn, versionen selv bruger)")
        if name in seen:
            raise EvalReportError(f"{where}: {_show(seen[name])} og {_show(values)} giver begge varianten "
                                  f"'{name}'; værdierne skal kunne skelnes som mappenavne")
        seen[name] = values
        label = ", ".join(str(v) for v in combo)
        matrix.variants.append(Variant(name, values, label, variant_title(template, title, values, label, where)))
    return matrix


def variant_title(template: str | None, title: str, values: dict, label: str, where: str) -> str:
    if not template:
        return f"{title} – {label}"
    try:
        return str(template).format(title=title, **values)
    except (KeyError, IndexError, ValueError) as exc:
        raise EvalReportError(f"{where}: variant-title '{template}' kan ikke udfyldes ({exc}); brug "
                              f"{{title}} og parametrenes navne i krøllede parenteser") from None


def _show(values: dict) -> str:
    return ", ".join(f"{k} = {v}" for k, v in values.items())


def _values(name, spec, base: Path, where: str) -> list:
    if isinstance(spec, (list, tuple)):
        values = list(spec)
    elif isinstance(spec, dict) and "from" in spec:
        values = _values_from_file(name, spec, base, where)
    else:
        raise EvalReportError(f"{where}: {name}: skriv en liste af værdier eller "
                              "{from: fil.csv, column: kolonne}")
    if not values:
        raise EvalReportError(f"{where}: {name} har ingen værdier")
    out = []
    for v in values:
        if v is None or isinstance(v, (dict, list)):
            raise EvalReportError(f"{where}: {name}: værdien {v!r} kan ikke bruges som parameter")
        if v not in out:
            out.append(v)
    return out


def _values_from_file(name, spec: dict, base: Path, where: str) -> list:
    path = (base / str(spec["from"])).resolve()
    column = spec.get("column") or name
    where_eq = spec.get("where") or {}
    if not isinstance(where_eq, dict):
        raise EvalReportError(f"{where}: {name}: where skal være en tabel af kolonne: værdi")
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
            header = rows[0].keys() if rows else []
    except FileNotFoundError:
        raise EvalReportError(f"{where}: {name}: filen {path} findes ikke") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise EvalReportError(f"{where}: {name}: {path} kan ikke læses som CSV (UTF-8): {exc}") from None
    for col in [column, *where_eq]:
        if col not in header:
            raise EvalReportError(f"{where}: {name}: {path} har ingen kolonne '{col}' "
                                  f"(kolonnerne er {', '.join(header) or 'ingen'})")

    def keep(row) -> bool:
        for col, wanted in where_eq.items():
            allowed = wanted if isinstance(wanted, list) else [wanted]
            if row[col] not in {str(a) for a in allowed}:
                return False
        return True

    return [row[column] for row in rows if keep(row) and row[column] != ""]


def resolve_variant(project, slug: str, doc, options):
    """(variant, options with its values as parameters) for a build; (None, options) for the
    report itself."""
    import dataclasses

    if not getattr(options, "variant", None):
        return None, options
    variant, params = variant_params(project, slug, doc, options.variant, options.params)
    return variant, dataclasses.replace(options, params=params)


def variant_params(project, slug: str, doc, name: str, params: dict | None) -> tuple[Variant, dict]:
    """The variant ``name`` of the report and ``params`` with its values added; a ``-P``
    value for a parameter of the matrix conflicts with the variant."""
    matrix = read_matrix(project, slug, doc.front_matter)
    if matrix is None:
        raise EvalReportError(f"Rapporten '{slug}' har ingen parametermatrix, så den har ingen variant "
                              f"'{name}' (se evalreport: matrix i rapportens forside).")
    variant = matrix.variant(name)
    clash = sorted(set(params or {}) & set(variant.params))
    if clash:
        raise EvalReportError(f"-P {clash[0]}=… kan ikke bruges sammen med varianten '{name}', som selv "
                              f"sætter {variant.describe()}")
    return variant, {**(params or {}), **variant.params}


def variant_folder(project, slug: str, version: str, variant: str | None) -> Path:
    """Where a build is published: the version folder, or its variant's folder under it."""
    folder = project.output_dir / "reports" / slug / version
    return folder / variant if variant else folder
