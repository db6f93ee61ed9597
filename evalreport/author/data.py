"""Reading a report's input data with checks a user can act on.

Errors name the file and the column: a missing file, a missing column, a file
written with Danish conventions (semicolons and decimal commas) or a value that
is not a number.
"""
from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Mapping, Sequence

import pandas as pd

from ..errors import DataError

KINDS = {"int", "float", "str", "bool01", "date"}


def read_csv(path, required: Mapping[str, str] | Sequence[str] = ()) -> pd.DataFrame:
    """Read a comma-separated UTF-8 file and check its columns.

    ``required`` is either column names or a mapping column → kind
    (``int``, ``float``, ``str``, ``bool01``, ``date``).
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: filen findes ikke")
    with path.open(encoding="utf-8-sig") as fh:
        header = fh.readline()
    if ";" in header and "," not in header:
        raise DataError(f"{path}: filen er semikolonsepareret (dansk CSV-format). evalreport læser "
                        "kommaseparerede filer med punktum som decimaltegn; gem filen som CSV (UTF-8, "
                        "komma) eller konvertér med pandas.read_csv(sep=';', decimal=',').")
    try:
        frame = pd.read_csv(path, encoding="utf-8-sig", low_memory=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: kan ikke læses som CSV: {exc}") from None
    kinds = dict(required) if isinstance(required, Mapping) else {c: "" for c in required}
    missing = [c for c in kinds if c not in frame.columns]
    if missing:
        raise DataError(f"{path}: mangler kolonne{'r' if len(missing) > 1 else ''} "
                        + ", ".join(f"'{c}'" for c in missing)
                        + f" (filen har: {', '.join(map(str, frame.columns))})")
    for column, kind in kinds.items():
        if kind:
            frame[column] = _coerce(frame[column], kind, path, column)
    return frame


def _coerce(series: pd.Series, kind: str, path: Path, column: str) -> pd.Series:
    if kind not in KINDS:
        raise ValueError(f"ukendt kolonnetype '{kind}'")
    if kind == "str":
        return series
    if kind == "date":
        parsed = pd.to_datetime(series, errors="coerce")
        bad = series.notna() & parsed.isna()
    else:
        parsed = pd.to_numeric(series, errors="coerce")
        bad = series.notna() & parsed.isna()
    if bad.any():
        row = int(bad.idxmax())
        value = series[row]
        hint = " (decimalkomma? brug punktum)" if isinstance(value, str) and "," in value else ""
        raise DataError(f"{path}: kolonne '{column}', række {row + 2}: '{value}' er ikke "
                        f"{'en dato' if kind == 'date' else 'et tal'}{hint}")
    if kind == "bool01":
        wrong = parsed.notna() & ~parsed.isin([0, 1])
        if wrong.any():
            row = int(wrong.idxmax())
            raise DataError(f"{path}: kolonne '{column}', række {row + 2}: '{series[row]}' skal være 0 eller 1")
    if kind in ("int", "bool01") and parsed.notna().all():
        return parsed.astype("int64")
    return parsed


def load_synthetic(data_dir, seed, module: str):
    """The report's data: the files in ``data_dir``, or a fresh synthetic draw.

    When ``data_dir`` holds the synthetic files written with this ``seed``
    (``meta.json``), they are read and checked against the generator's SCHEMA.
    Another seed draws a new sample in memory with the same generator, so
    ``-P seed=…`` changes the whole report. Real register data: put files with
    the same columns in ``data_dir`` and a ``meta.json`` with ``"seed": null``,
    and leave the report's ``seed`` parameter as ``None``.
    """
    gen = importlib.import_module(module)
    data_dir = Path(data_dir)
    meta_path = data_dir / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else None
    if meta is not None and (seed is None or meta.get("seed") == seed):
        return gen.load(data_dir) if hasattr(gen, "load") else {
            stem: read_csv(data_dir / f"{stem}.csv", schema) for stem, schema in gen.SCHEMA.items()}
    if seed is None:
        raise DataError(f"{data_dir}: meta.json mangler, og der er intet seed at trække syntetiske data fra")
    return gen.generate(seed)
