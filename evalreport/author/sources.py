"""Source lines and the synthetic-data notice, from the data set's metadata.

A report reads its data with :func:`~evalreport.author.data.load_synthetic`; the data
object carries ``meta`` (``data/synthetic/<x>/meta.json``, or the metadata of a fresh
draw with ``-P seed=…``). The printed report names the data as a reader needs it —
"Syntetiske data (seed 299)" — never the Python module that drew them; with real
register data (``"synthetic": false`` or no seed) only the registers are named::

    source_line(data, "DREAM og eIndkomst")
        'Syntetiske data (seed 299), opbygget efter DREAM og eIndkomst.'     (synthetic)
        'DREAM og eIndkomst.'                                                 (register data)
    source_line(data, "DREAM-data", own_calculations=True)
        'Egne beregninger på syntetiske data (seed 2020), opbygget efter DREAM-data.'
    synthetic_label(data)       'Syntetiske data (seed 299)'   ("" for register data)
    synthetic_notice(data)      one sentence for the report's front matter ("" for register data)
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Mapping

from .formatting import cap, fmt_num

__all__ = ["dataset_meta", "is_synthetic", "synthetic_label", "source_line", "synthetic_notice"]


def dataset_meta(data: Any) -> dict:
    """The metadata of a data set: ``data.meta``, a mapping, or a folder with ``meta.json``."""
    if isinstance(data, Mapping):
        return dict(data)
    if isinstance(data, (str, os.PathLike)):
        path = Path(data)
        path = path / "meta.json" if path.is_dir() else path
        if not path.is_file():
            return {}
        return json.loads(path.read_text(encoding="utf-8"))
    meta = getattr(data, "meta", None)
    if meta is None:
        raise TypeError(f"no metadata in {type(data).__name__} (expected .meta, a dict or a folder)")
    return dict(meta)


def is_synthetic(data: Any) -> bool:
    """True for data drawn by a synthetic generator with a known seed."""
    meta = dataset_meta(data)
    return bool(meta.get("synthetic")) and meta.get("seed") is not None


def synthetic_label(data: Any, *, capital: bool = True) -> str:
    """"Syntetiske data (seed 299)" ("" for register data)."""
    meta = dataset_meta(data)
    if not is_synthetic(meta):
        return ""
    text = f"syntetiske data (seed {fmt_num(meta['seed'], group=False)})"
    return cap(text) if capital else text


def source_line(data: Any, registers: str, *, own_calculations: bool = False) -> str:
    """The "Kilde:" text of a table or figure (without "Kilde:"; the table adds it).

    ``registers`` names the real sources the data stand for ("DREAM, eIndkomst og
    kommunale udgiftsdata"). Synthetic data: "Syntetiske data (seed 299), opbygget efter
    <registers>."; register data: "<Registers>.". ``own_calculations`` starts with
    "Egne beregninger på …".
    """
    registers = registers.strip().rstrip(".")
    if not registers:
        raise ValueError("source_line() needs the registers the data stand for")
    label = synthetic_label(data, capital=False)
    body = f"{label}, opbygget efter {registers}" if label else registers
    return cap(f"egne beregninger på {body}" if own_calculations else body) + "."


def synthetic_notice(data: Any) -> str:
    """One sentence for the front of a report on synthetic data ("" for register data)."""
    meta = dataset_meta(data)
    label = synthetic_label(meta)
    if not label:
        return ""
    return (f"{label}: Alle tal er beregnet på data, der er trukket af en dokumenteret, seedet "
            "datagenererende proces, og beskriver ikke rigtige personer; med registerdata i samme "
            "format giver samme dokument de rigtige tal.")
