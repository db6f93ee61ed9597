"""Reading a report's input data against its contract, with errors a user can act on.

A data set declares its contract in its generator module (``CONTRACT``, see
:mod:`analysis.synthetic.contract`). :func:`read_dataset` checks every file of a
data folder against it with pandera — types, missing values, ranges, allowed
values, patterns, unique keys — and the references between files. Errors are
:class:`~evalreport.errors.DataError` in Danish and name the file, the 1-based
line of the file (the header is line 1), the column and the offending value;
the first few are listed with the total count. Files that cannot be read at all
(missing, empty, not UTF-8, semicolon-separated, a row with too many fields) get
a sentence saying so.

:func:`load_synthetic` is what reports call: it checks the data folder and
loads it with the generator, or draws a new sample when ``-P seed=`` asks for
one. :func:`read_csv` checks a single file against a column → kind mapping.
"""
from __future__ import annotations

import csv
import dataclasses
import importlib
import inspect
import io
import json
import re
import warnings
from collections import defaultdict
from pathlib import Path
from typing import Mapping, Sequence

import pandas as pd

from ..errors import DataError

KINDS = {"int", "float", "str", "bool01", "date"}
MAX_LISTED = 5          # errors listed per data set; the rest are counted
STACK_MIN = 20          # from this many columns of one spec (kind, nullability, rule), check them stacked

_KIND_WORDS = {"int": "et tal", "bool01": "et tal (0 eller 1)", "float": "et tal", "date": "en dato (ÅÅÅÅ-MM-DD)",
               "str": "tekst"}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _line(index) -> int:
    """1-based line of the file for a row index of a frame read with a header row."""
    return int(index) + 2


def read_raw(path, kinds: Mapping[str, str] | None = None) -> pd.DataFrame:
    """A CSV file as a frame (empty fields missing), or a clear DataError.

    Every column is text, except that with ``kinds`` the numeric columns are
    parsed as numbers by pandas' C parser when they all are numbers (several
    times faster than converting text); a file with a non-number in such a
    column is read as text, so the check can name the line and the value.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: filen findes ikke" + (" (det er en mappe)" if path.is_dir() else ""))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: filen kan ikke læses ({exc.strerror or exc})") from None
    if not data.strip():
        raise DataError(f"{path}: filen er tom (der skal mindst være en overskriftslinje med kolonnenavnene)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise DataError(f"{path}, linje {line}: filen er ikke UTF-8 (byte 0x{data[exc.start]:02x}; "
                        "måske latin-1/Windows-1252). Gem filen som CSV UTF-8.") from None
    header = text.split("\n", 1)[0]
    if ";" in header and "," not in header:
        raise DataError(f"{path}: filen er semikolonsepareret (dansk CSV-format). evalreport læser "
                        "kommaseparerede filer med punktum som decimaltegn; gem filen som CSV (UTF-8, "
                        "komma) eller konvertér med pandas.read_csv(sep=';', decimal=',').")
    if kinds:
        numeric = {c: "float64" for c, k in kinds.items() if k in ("int", "bool01", "float")}
        try:
            return _parse(text, path, defaultdict(lambda: str, numeric))
        except (ValueError, TypeError):
            pass                                    # a non-number somewhere: read as text and report it
    return _parse(text, path, str)


def _parse(text: str, path: Path, dtype) -> pd.DataFrame:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)   # a longer first row: no silent loss
            return pd.read_csv(io.StringIO(text), dtype=dtype, keep_default_na=False, na_values=[""],
                               skip_blank_lines=False, index_col=False)
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: filen har ingen kolonner") from None
    except (pd.errors.ParserError, pd.errors.ParserWarning) as exc:
        reader = csv.reader(io.StringIO(text))
        width = len(next(reader))
        for row in reader:
            if len(row) > width:
                raise DataError(f"{path}, linje {reader.line_num}: {len(row)} felter, men overskriften har "
                                f"{width} (et komma for meget, eller en tekst med komma uden anførselstegn?)"
                                ) from None
        raise DataError(f"{path}: kan ikke læses som CSV: {exc}") from None


# --- pandera schemas from a contract -------------------------------------------------------------

def _schema(file_contract):
    """The pandera schema of one file: types (coerced), missing values, rules, unique key."""
    import pandera.pandas as pa

    columns = {}
    for col, kind in file_contract.kinds.items():
        nullable = col in file_contract.nullable
        checks = []
        rule = file_contract.rules.get(col)
        if kind == "date":
            checks.append(pa.Check(lambda s: s.str.fullmatch(_DATE.pattern)
                                   & pd.to_datetime(s, format="%Y-%m-%d", errors="coerce").notna(),
                                   element_wise=False, name="er_dato", ignore_na=True))
        if kind == "int":
            checks.append(pa.Check(lambda s: s == s.round(), name="heltal", ignore_na=True))
        if kind == "bool01":
            checks.append(pa.Check.isin([0, 1]))
        if rule is not None:
            if rule.values is not None:
                values = list(rule.values) if kind in ("str", "date") else [float(v) for v in rule.values]
                checks.append(pa.Check.isin(values) if kind in ("str", "date")
                              else pa.Check(lambda s, v=values: s.astype(float).isin(v), name="isin_num"))
            if rule.min is not None:
                checks.append(pa.Check.ge(rule.min))
            if rule.max is not None:
                checks.append(pa.Check.le(rule.max))
            if rule.pattern is not None:
                checks.append(pa.Check.str_matches(f"(?:{rule.pattern})\\Z"))
        # Numbers are checked as float64 (whole numbers by a check): a conversion to Int64 costs
        # a second per wide file and says nothing more.
        dtype = "float64" if kind in ("int", "bool01", "float") else str
        columns[col] = pa.Column(dtype, checks=checks, nullable=nullable or False,
                                 coerce=dtype is not str, required=True)
    return pa.DataFrameSchema(columns, strict=False, unique=list(file_contract.key) or None)


def _describe_check(check: str, kind: str, file_contract, column: str) -> str:
    rule = file_contract.rules.get(column)
    if check.startswith("coerce_dtype") or check.startswith("dtype("):
        return f"er ikke {_KIND_WORDS[kind]}"
    if check == "not_nullable":
        return "mangler (tomt felt), men kolonnen må ikke have manglende værdier"
    if check == "heltal":
        return "er ikke et heltal"
    if check == "er_dato":
        return "er ikke en gyldig dato (ÅÅÅÅ-MM-DD)"
    if check.startswith(("isin", "isin_num")):
        if kind == "bool01" and (rule is None or rule.values is None):
            return "skal være 0 eller 1"
        allowed = ", ".join(str(v) for v in rule.values) if rule and rule.values is not None else "0, 1"
        return f"er ikke en af de tilladte værdier ({allowed})"
    if check.startswith(("greater_than_or_equal_to", "less_than_or_equal_to")):
        low = "" if rule.min is None else f"{rule.min:g}"
        high = "" if rule.max is None else f"{rule.max:g}"
        return f"ligger uden for det tilladte interval [{low}; {high}]"
    if check.startswith("str_fullmatch") or check.startswith("str_matches"):
        return f"har ikke det krævede format ({rule.pattern})"
    return f"bryder kontrollen {check}"


def _value_text(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "(tomt)"
    if isinstance(value, float) and value.is_integer():
        value = int(value)                  # read as a number: show it as the file wrote it
    text = str(value)
    return f"'{text[:60]}…'" if len(text) > 60 else f"'{text}'"


def _hint(value, kind) -> str:
    if kind in ("float", "int") and isinstance(value, str) and re.fullmatch(r"-?\d+,\d+", value.strip()):
        return " (decimalkomma? brug punktum)"
    return ""


def check_frame(raw: pd.DataFrame, file_contract, path) -> list[tuple[int, int, str]]:
    """Check one file's text frame; returns the problems as (line, column order, message)."""
    import pandera.errors as pe

    path = Path(path)
    missing = [c for c in file_contract.kinds if c not in raw.columns]
    if missing:
        raise DataError(f"{path}: mangler kolonne{'r' if len(missing) > 1 else ''} "
                        + ", ".join(f"'{c}'" for c in missing[:8])
                        + (f" og {len(missing) - 8} flere" if len(missing) > 8 else "")
                        + f" (filen har: {', '.join(map(str, raw.columns[:20]))}"
                        + (", …" if len(raw.columns) > 20 else "") + ")")
    groups = _same_spec_groups(file_contract)
    if groups and _passes_stacked(raw, file_contract, groups):
        return []
    try:
        _schema(file_contract).validate(raw, lazy=True)
        return []
    except pe.SchemaErrors as exc:
        cases = exc.failure_cases
    order = {c: i for i, c in enumerate(file_contract.kinds)}
    problems: dict[tuple, str] = {}
    failed_types = set(cases.loc[cases["check"].astype(str).str.startswith("coerce_dtype"), "column"])
    key = list(file_contract.key)
    dup_lines: dict[tuple, int] = {}
    for case in cases.itertuples(index=False):
        check, column, index = str(case.check), case.column, case.index
        if index is None or pd.isna(index):
            continue                              # a check that could not run (wrong types reported already)
        if check.startswith("dtype(") or (column in failed_types and not check.startswith("coerce_dtype")
                                          and check != "not_nullable"):
            continue
        line = _line(index)
        if check in ("multiple_fields_uniqueness", "field_uniqueness"):
            values = tuple(_value_text(v).strip("'") for v in raw.loc[index, key])
            first = dup_lines.setdefault(values, line)
            if first != line:
                what = ", ".join(f"{k} = {v}" for k, v in zip(key, values))
                problems[(line, -1)] = (f"{path}, linje {line}: nøglen {what} står også på linje {first} "
                                        f"(nøglen {', '.join(key)} skal være entydig)")
            continue
        kind = file_contract.kinds.get(column, "str")
        raw_value = raw.loc[index, column] if column in raw.columns else case.failure_case
        message = (f"{path}, linje {line}, kolonne '{column}': {_value_text(raw_value)} "
                   f"{_describe_check(check, kind, file_contract, column)}{_hint(raw_value, kind)}")
        problems.setdefault((line, order.get(column, 0)), message)
    return [(line, col, msg) for (line, col), msg in problems.items()]


def _same_spec_groups(file_contract) -> list[list[str]]:
    """The file's columns outside its key that share kind, nullability and rule, in groups of at
    least ``STACK_MIN`` (a wide file's weekly or monthly columns); file order within a group."""
    groups: dict[tuple, list[str]] = defaultdict(list)
    for col, kind in file_contract.kinds.items():
        if col not in file_contract.key:
            groups[(kind, col in file_contract.nullable, repr(file_contract.rules.get(col)))].append(col)
    return [cols for cols in groups.values() if len(cols) >= STACK_MIN]


def _passes_stacked(raw: pd.DataFrame, file_contract, groups: list[list[str]]) -> bool:
    """Whether the file passes its contract, checked with each group's columns stacked into one
    column under the group's one ``pa.Column`` (pandera's overhead is per column: about a
    millisecond, most of the time of a wide file); the other columns and the key as usual.

    Every check of a group (type, missing, whole number, date, range, allowed values, pattern) is
    element by element, so the stacked column passes exactly when every column of the group does,
    and so does the column of its distinct values (one missing value standing for all), which is
    what is checked: BOT's 187 weekly columns hold 19 codes in 1,5 million fields. Only a pass is
    taken from here: a file that fails is checked again column by column (:func:`check_frame`),
    which finds and words its errors as always.
    """
    import pandera.errors as pe

    stacked = {c for cols in groups for c in cols}
    rest = dataclasses.replace(file_contract, kinds={c: k for c, k in file_contract.kinds.items()
                                                     if c not in stacked})
    try:
        _schema(rest).validate(raw[list(rest.kinds)], lazy=True)
        for cols in groups:
            first = cols[0]
            one = dataclasses.replace(
                file_contract, kinds={first: file_contract.kinds[first]}, key=(),
                nullable=file_contract.nullable & {first},
                rules={first: file_contract.rules[first]} if first in file_contract.rules else {})
            values = pd.Series(pd.unique(raw[cols].to_numpy().ravel("K")))
            _schema(one).validate(pd.DataFrame({first: values}), lazy=True)
    except pe.SchemaErrors:
        return False
    return True


def _raise(problems: list[tuple[int, int, str]], where) -> None:
    if not problems:
        return
    problems = sorted(problems)
    listed = "\n  ".join(p[2] for p in problems[:MAX_LISTED])
    more = f"\n  … og {len(problems) - MAX_LISTED} fejl mere" if len(problems) > MAX_LISTED else ""
    raise DataError(f"{where} overholder ikke datakontrakten ({len(problems)} fejl):\n  {listed}{more}")


def _typed(raw: pd.DataFrame, kinds: Mapping[str, str]) -> pd.DataFrame:
    out = raw.copy()
    for col, kind in kinds.items():
        if kind in ("int", "bool01"):
            values = pd.to_numeric(raw[col])
            out[col] = values.astype("int64") if values.notna().all() else values.astype("Int64")
        elif kind == "float":
            out[col] = pd.to_numeric(raw[col]).astype(float)
    return out


def read_dataset(data_dir, contract, *, check_codebook: bool = True) -> dict[str, pd.DataFrame]:
    """Check every file of a data folder against ``contract``; returns the files as text frames.

    The folder must exist. Each ``<stem>.csv`` is checked (types, missing
    values, rules, unique key), then the references between files. With a
    ``codebook.md`` in the folder, its column lists must agree with the contract.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise DataError(f"{data_dir}: datamappen findes ikke. Angiv den rigtige mappe (data_dir) eller "
                        f"dan syntetiske data eksplicit (fx make data).")
    raws: dict[str, pd.DataFrame] = {}
    problems = []
    for stem, fc in contract.files.items():
        raw = read_raw(data_dir / fc.filename, fc.kinds)
        problems += check_frame(raw, fc, data_dir / fc.filename)
        raws[stem] = raw
    _raise(problems, data_dir)
    for stem, fc in contract.files.items():
        for col, (o_stem, o_col) in fc.references.items():
            known = set(raws[o_stem][o_col].dropna())
            bad = raws[stem][col].notna() & ~raws[stem][col].isin(known)
            for index in list(bad[bad].index[:MAX_LISTED + 1]):
                problems.append((_line(index), 0,
                                 f"{data_dir / fc.filename}, linje {_line(index)}, kolonne '{col}': "
                                 f"{_value_text(raws[stem].loc[index, col])} findes ikke i kolonnen "
                                 f"'{o_col}' i {o_stem}.csv"))
    _raise(problems, data_dir)
    if check_codebook:
        check_codebook_agrees(data_dir / "codebook.md", contract)
    return raws


_CODEBOOK_FILE = re.compile(r"## `([^`]+)\.csv`\s*$")
_CODEBOOK_ROW = re.compile(r"^\| `([^`]+)` \| (\w+)", re.M)


def check_codebook_agrees(path: Path, contract) -> None:
    """The column tables in ``codebook.md`` (when there is one) agree with the contract.

    A section ``## `<stem>.csv` `` documents a file; its rows ``| `column` | kind …``
    must be the contract's columns and kinds. Files documented otherwise (wide
    files described in prose) are not compared.
    """
    if not path.is_file():
        return
    text = path.read_text(encoding="utf-8")
    documented = {}
    for chunk in re.split(r"^(?=## )", text, flags=re.M):
        m = _CODEBOOK_FILE.match(chunk.split("\n", 1)[0])
        if m:
            documented[m.group(1)] = dict(_CODEBOOK_ROW.findall(chunk))
    for stem, have in documented.items():
        fc = contract.files.get(stem)
        if fc is None:
            continue
        if have != dict(fc.kinds):
            diff = sorted(set(have.items()) ^ set(fc.kinds.items()))
            raise DataError(f"{path}: kodebogens kolonner for {fc.filename} svarer ikke til datakontrakten "
                            f"(forskel: {', '.join(f'{c} {k}' for c, k in diff[:6])})")


# --- single files -----------------------------------------------------------------------------

def read_csv(path, required: Mapping[str, str] | Sequence[str] = ()) -> pd.DataFrame:
    """Read a comma-separated UTF-8 file and check its columns.

    ``required`` is either column names or a mapping column → kind
    (``int``, ``float``, ``str``, ``bool01``, ``date``); returns the file
    with those columns typed.
    """
    from analysis.synthetic.contract import FileContract

    path = Path(path)
    kinds = dict(required) if isinstance(required, Mapping) else {c: "str" for c in required}
    unknown = {k for k in kinds.values() if k and k not in KINDS}
    if unknown:
        raise ValueError(f"ukendt kolonnetype {sorted(unknown)}")
    kinds = {c: k or "str" for c, k in kinds.items()}
    raw = read_raw(path, kinds)
    fc = FileContract(path.stem, kinds, frozenset(kinds))
    _raise(check_frame(raw, fc, path), path)
    return _typed(raw, kinds)


def load_synthetic(data_dir, seed, module: str):
    """The report's data: the files in ``data_dir``, or a fresh synthetic draw.

    ``data_dir`` must exist. When it holds the synthetic files written with
    this ``seed`` (``meta.json``) — or register data (``meta.json`` with
    ``"seed": null``, and the report's ``seed`` parameter ``None``) — the files
    are checked against the generator's ``CONTRACT`` and read. Another seed
    (``-P seed=…``) draws a new sample in memory with the same generator, so the
    whole report follows it.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise DataError(f"{data_dir.resolve()}: datamappen findes ikke. Angiv den rigtige data_dir, eller "
                        "dan de syntetiske data eksplicit (make data); evalreport danner dem ikke i "
                        "stilhed.")
    gen = importlib.import_module(module)
    meta_path = data_dir / "meta.json"
    meta = None
    if meta_path.exists():
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise DataError(f"{meta_path}: ugyldig JSON ({exc})") from None
    if meta is not None and (seed is None or meta.get("seed") == seed):
        contract = getattr(gen, "CONTRACT", None)
        raws = read_dataset(data_dir, contract) if contract is not None else None
        if hasattr(gen, "load"):
            # the checked frames are handed on, so the files are parsed once
            if raws is not None and "raws" in inspect.signature(gen.load).parameters:
                return gen.load(data_dir, raws=raws)
            return gen.load(data_dir)
        return {stem: read_csv(data_dir / f"{stem}.csv", schema) for stem, schema in gen.SCHEMA.items()}
    if seed is None:
        raise DataError(f"{data_dir}: meta.json mangler, og der er intet seed at trække syntetiske data fra")
    return gen.generate(seed)
