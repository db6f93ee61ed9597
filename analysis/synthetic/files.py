"""Writing and reading the CSV files of a synthetic data set, shared by all generators.

A generator describes each file by its schema (column → kind: ``int``, ``bool01``,
``float``, ``str``, ``date``), the nullable columns, the decimals of each float
column and the sort keys. From that description the files are written
canonically (fixed decimals, '\\n' line ends, sorted rows, UTF-8, comma
separated), so the same seed gives the same bytes, and read back with the same
types.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class FileLayout:
    schema: Mapping[str, str]          # column -> kind
    nullable: frozenset | set = frozenset()
    decimals: Mapping[str, int] | None = None
    sort_keys: tuple | list = ()


def finalize(df: pd.DataFrame, layout: FileLayout) -> pd.DataFrame:
    """Types and rounding exactly as written to CSV; sorted; clean index."""
    out = {}
    for col, kind in layout.schema.items():
        x = df[col]
        if kind in ("int", "bool01"):
            vals = pd.to_numeric(x)
            out[col] = vals.astype("Int64") if col in layout.nullable else vals.astype("int64")
        elif kind == "float":
            out[col] = np.round(pd.to_numeric(x).astype(float), layout.decimals[col]) + 0.0
        else:  # str, date: text; a missing value is None in nullable columns
            vals = x.astype(object).where(x.notna(), "").astype(str)
            out[col] = vals.where(vals != "", None) if col in layout.nullable else vals
    frame = pd.DataFrame(out)
    return frame.sort_values(list(layout.sort_keys), kind="mergesort").reset_index(drop=True)


def csv_text(stem: str, df: pd.DataFrame, layout: FileLayout) -> str:
    """The canonical CSV text of a finalized frame."""
    cols = []
    for col, kind in layout.schema.items():
        x = df[col]
        if kind == "float":
            a = x.to_numpy(dtype=float, na_value=np.nan)
            txt = np.char.mod(f"%.{layout.decimals[col]}f", np.nan_to_num(a) + 0.0).astype(object)
            txt[np.isnan(a)] = ""
            cols.append(txt.tolist())
        elif kind in ("int", "bool01"):
            cols.append(["" if pd.isna(v) else str(int(v)) for v in x] if col in layout.nullable
                        else x.to_numpy(dtype=np.int64).astype(str).tolist())
        else:
            vals = ["" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in x]
            if any(("," in v) or ('"' in v) or ("\n" in v) for v in vals):
                raise ValueError(f"{stem}.{col}: text values must not contain commas, quotes or newlines")
            cols.append(vals)
    lines = [",".join(layout.schema)] + [",".join(row) for row in zip(*cols)]
    return "\n".join(lines) + "\n"


def codebook_columns(stem: str, columns, sort_keys) -> list[str]:
    """The codebook section of one file: a markdown table of its columns.

    ``columns`` holds tuples ``(name, kind, decimals, nullable, unit, meaning)``,
    optionally with a ``window`` before ``meaning``.
    """
    with_window = any(len(c) == 7 for c in columns)
    head = ["column", "type", "NA allowed", "unit"] + (["window"] if with_window else []) + ["meaning"]
    lines = [f"## `{stem}.csv`", "", f"Sorted by {', '.join(sort_keys)}.", "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, kind, dec, nullable, unit, *rest in columns:
        typ = kind + (f" ({dec} decimals)" if dec is not None else "")
        cells = [f"`{name}`", typ, "yes" if nullable else "no", unit, *rest]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    return lines


def write_files(out_dir, frames: Mapping[str, pd.DataFrame], layouts: Mapping[str, FileLayout],
                meta: dict, codebook: str) -> list[Path]:
    """Write ``<stem>.csv`` for every frame, ``meta.json`` and ``codebook.md``; returns the paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for stem, df in frames.items():
        p = out / f"{stem}.csv"
        p.write_bytes(csv_text(stem, df, layouts[stem]).encode("utf-8"))
        paths.append(p)
    p = out / "meta.json"
    p.write_bytes((json.dumps(meta, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8"))
    paths.append(p)
    p = out / "codebook.md"
    p.write_bytes(codebook.encode("utf-8"))
    paths.append(p)
    return paths


def read_files(data_dir, layouts: Mapping[str, FileLayout], raws: Mapping[str, pd.DataFrame] | None = None
               ) -> tuple[dict[str, pd.DataFrame], dict]:
    """Read the files of a data set (or real data with the same columns) and its meta.json.

    Errors name the file and the columns: a missing file, missing columns, or a
    file saved with Danish conventions (semicolons). ``raws``: frames of the files already
    read by the caller (stem -> frame with the file's columns, text or numbers, empty fields
    missing; e.g. ``evalreport.author.data.read_dataset``'s after checking the contract): they are
    typed and sorted as a file read here would be, instead of reading the file a second time.
    """
    d = Path(data_dir)
    frames = {}
    for stem, layout in layouts.items():
        if raws is not None and stem in raws:
            frames[stem] = finalize(raws[stem], layout)
            continue
        path = d / f"{stem}.csv"
        if not path.is_file():
            raise ValueError(f"{path}: the file is missing")
        with path.open(encoding="utf-8-sig") as fh:
            header = fh.readline()
        if ";" in header and "," not in header:
            raise ValueError(f"{path}: semicolon-separated (Danish CSV); write it comma-separated "
                             "with '.' as decimal mark")
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig")
        missing = [c for c in layout.schema if c not in raw.columns]
        if missing:
            raise ValueError(f"{path}: missing column(s) {', '.join(missing[:8])}"
                             + (f" and {len(missing) - 8} more" if len(missing) > 8 else ""))
        frames[stem] = finalize(raw, layout)
    meta_path = d / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
    return frames, meta
