"""The layout every synthetic data generator promises for the CSV files it writes.

Shared by the generator tests (oto, bot): a generator module names its files and columns
(``SCHEMA``: stem -> column -> kind), the columns that may be empty (``NULLABLE``), the decimals
of its float columns (``DECIMALS``) and the order of its rows (``SORT_KEYS``).
"""
from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pandas as pd


def check_csv_layout(folder: Path, gen: ModuleType) -> int:
    """Assert that every ``<stem>.csv`` in ``folder`` has ``gen``'s layout: LF line ends, commas,
    the columns in order, no empty value where none may be, ints, 0/1 flags, floats with their
    decimals (none: whole numbers), ISO dates, rows sorted by the sort key. Returns the bytes read."""
    total = 0
    for stem, schema in gen.SCHEMA.items():
        raw = (folder / f"{stem}.csv").read_bytes()
        total += len(raw)
        assert b"\r" not in raw and raw.endswith(b"\n") and b";" not in raw
        assert raw.decode("utf-8").split("\n", 1)[0].split(",") == list(schema)
        df = pd.read_csv(folder / f"{stem}.csv", dtype=str, keep_default_na=False)
        for col, kind in schema.items():
            vals = df[col]
            empty = vals == ""
            if col not in gen.NULLABLE[stem]:
                assert not empty.any(), f"{stem}.{col} has missing values"
            v = vals[~empty]
            if kind == "int":
                assert v.str.fullmatch(r"-?\d+").all(), f"{stem}.{col}"
            elif kind == "bool01":
                assert v.isin(["0", "1"]).all(), f"{stem}.{col}"
            elif kind == "float":
                dec = gen.DECIMALS[stem][col]
                assert v.str.fullmatch(rf"-?\d+\.\d{{{dec}}}" if dec else r"-?\d+").all(), f"{stem}.{col}"
            elif kind == "date":
                assert v.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all(), f"{stem}.{col}"
        keys = gen.SORT_KEYS[stem]
        key = pd.DataFrame({k: pd.to_numeric(df[k]) if schema[k] in ("int", "float") else df[k]
                            for k in keys})
        assert key.equals(key.sort_values(keys).reset_index(drop=True)), stem
    return total
