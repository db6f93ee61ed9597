"""The mean/SD effect table of a randomised trial (the OtO Tabel 2/3 layout).

Columns: Gennemsnit (Stdafv) [Tilbud | Kontrol] · Effekten af tilbud
[Effekt (95 % KI) | P-værdi] · Effekten af deltagelse [Effekt (95 % KI)], rows
from a tidy effects frame (``analysis.rct.effects_frame``), with panels,
sub-headings and footnotes that name the group sizes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from .. import formatting as F
from ._model import ReportTable
from ._parts import Column, Row, as_notes as _as_notes


DEFAULT_EFFECT_LABELS = {
    "means": "Gennemsnit (Stdafv)",
    "treated": "Tilbud",
    "control": "Kontrol",
    "itt": "Effekten af tilbud",
    "part": "Effekten af deltagelse",
    "effect": "Effekt (95 % KI)",
    "p": "P-værdi",
}


@dataclass
class EffectRow:
    """One outcome row of an effect table.

    ``decimals`` apply to means, SDs and effects; ``scale=100`` prints shares
    as percentages (the raw export keeps the unscaled numbers). ``footnote``
    may use ``{n_treated}``/``{n_control}``/any numeric column of the effects
    frame, formatted Danish: "{n_treated} tilbudsbørn og {n_control} kontrolbørn".
    ``panel`` starts a spanning panel heading when it changes.
    """
    outcome: str
    label: str | None = None
    decimals: int = 1
    panel: str | None = None
    footnote: str | None = None
    indent: int = 0
    scale: float | None = None
    key: str | None = None


@dataclass
class Panel:
    label: str
    footnote: str | None = None


@dataclass
class Subhead:
    label: str
    footnote: str | None = None
    indent: int = 0


_EFFECT_RAW = {
    "treated": [("mean", "mean_treated"), ("sd", "sd_treated"), ("n", "n_treated")],
    "control": [("mean", "mean_control"), ("sd", "sd_control"), ("n", "n_control")],
    "itt": [("estimate", "estimate"), ("se", "se"), ("ci_low", "ci_low"), ("ci_high", "ci_high"),
            ("std_effect", "std_effect")],
    "p": [("", "p_value")],
    "part": [("estimate", "part_estimate"), ("ci_low", "part_ci_low"), ("ci_high", "part_ci_high")],
}


def _coerce_row(spec: Any):
    if isinstance(spec, (EffectRow, Panel, Subhead)):
        return spec
    if isinstance(spec, Mapping):
        kind = spec.get("kind")
        d = {k: v for k, v in spec.items() if k != "kind"}
        if kind == "panel":
            return Panel(**d)
        if kind == "subhead":
            return Subhead(**d)
        return EffectRow(**d)
    if isinstance(spec, str):
        return EffectRow(spec)
    if isinstance(spec, tuple):
        return EffectRow(*spec)
    raise TypeError(f"row spec must be EffectRow/Panel/Subhead/dict/tuple/str, got {type(spec).__name__}")


def effect_table(
    effects: pd.DataFrame,
    rows: Sequence[EffectRow | Panel | Subhead | Mapping | tuple | str] | None = None,
    *,
    id: str,
    participation: bool = True,
    means: bool = True,
    p_decimals: int = 2,
    p_floor: float | None = None,
    stars: bool | Sequence[tuple[float, str]] = False,
    labels: Mapping[str, str] | None = None,
    stubhead: str = "",
    notes: str | Sequence[str] | None = None,
    source: str | None = None,
    caption: str | None = None,
    stub_width: str | None = None,
) -> ReportTable:
    """The OtO Tabel 2/3 layout from a tidy effects frame.

    Columns: Gennemsnit (Stdafv) [Tilbud | Kontrol] · Effekten af tilbud
    [Effekt (95 % KI) | P-værdi] · Effekten af deltagelse [Effekt (95 % KI)].
    ``effects`` has one row per outcome (column ``outcome`` or the index) with
    the columns of ``analysis.rct.effects_frame``. ``rows`` (default: every
    outcome in order) lists :class:`EffectRow`, :class:`Panel` and
    :class:`Subhead` items, or dicts/tuples for EffectRow. ``stars=True``
    (or a list of (threshold, marker)) appends markers to the offer effect
    and prints the legend.
    """
    lab = {**DEFAULT_EFFECT_LABELS, **(labels or {})}
    eff = effects.set_index("outcome", drop=False) if "outcome" in effects.columns else effects
    if eff.index.has_duplicates:
        raise ValueError(f"{id}: duplicate outcomes in the effects frame")
    specs = [_coerce_row(s) for s in (rows if rows is not None else list(eff.index))]
    star_levels = None
    if stars:
        star_levels = F._check_levels(F.DEFAULT_STAR_LEVELS if stars is True else stars)

    groups = (["treated", "control"] if means else []) + ["itt", "p"] + (["part"] if participation else [])
    needed = {src for g in groups for _, src in _EFFECT_RAW[g] if src not in ("std_effect", "se", "n_treated", "n_control")}
    missing_cols = sorted(needed - set(eff.columns))
    if missing_cols:
        raise KeyError(f"{id}: effects frame lacks columns {missing_cols}")

    columns = []
    if means:
        columns += [Column("treated", lab["treated"], lab["means"]),
                    Column("control", lab["control"], lab["means"])]
    columns += [Column("itt", lab["effect"], lab["itt"]), Column("p", lab["p"], lab["itt"])]
    if participation:
        columns.append(Column("part", lab["effect"], lab["part"]))
    raw_cols = [g if part == "" else f"{g}.{part}" for g in groups for part, src in _EFFECT_RAW[g]
                if src in eff.columns]

    out_rows: list[Row] = []
    disp_rows: list[list[str]] = []
    raw_rows: list[list[Any]] = []
    used: set[str] = set()
    current_panel: str | None = None

    def add(row: Row, cells: list[str], raws: list[Any]) -> None:
        k, n = row.key, 1
        while row.key in used:
            n += 1
            row.key = f"{k} ({n})"
        used.add(row.key)
        out_rows.append(row)
        disp_rows.append(cells)
        raw_rows.append(raws)

    empty_disp = [""] * len(columns)
    empty_raw = [None] * len(raw_cols)
    for spec in specs:
        if isinstance(spec, Panel):
            current_panel = spec.label
            add(Row(f"panel: {spec.label}", spec.label, "panel", 0, spec.footnote), empty_disp, empty_raw)
            continue
        if isinstance(spec, Subhead):
            add(Row(f"subhead: {spec.label}", spec.label, "subhead", spec.indent, spec.footnote),
                empty_disp, empty_raw)
            continue
        if spec.panel is not None and spec.panel != current_panel:
            current_panel = spec.panel
            add(Row(f"panel: {spec.panel}", spec.panel, "panel"), empty_disp, empty_raw)
        if spec.outcome not in eff.index:
            raise KeyError(f"{id}: outcome {spec.outcome!r} not in the effects frame "
                           f"(has {list(eff.index)})")
        r = eff.loc[spec.outcome]
        get = lambda c: r[c] if c in r.index else None  # noqa: E731
        dec, sc = spec.decimals, spec.scale
        mark = F.stars(get("p_value"), star_levels) if star_levels else ""
        cells = []
        if means:
            cells += [F.fmt_mean_sd(get("mean_treated"), get("sd_treated"), dec, scale=sc),
                      F.fmt_mean_sd(get("mean_control"), get("sd_control"), dec, scale=sc)]
        cells += [F.fmt_est_ci(get("estimate"), get("ci_low"), get("ci_high"), dec, scale=sc, mark=mark),
                  F.fmt_p(get("p_value"), p_decimals, floor=p_floor)]
        if participation:
            cells.append(F.fmt_est_ci(get("part_estimate"), get("part_ci_low"), get("part_ci_high"),
                                      dec, scale=sc))
        raws = [get(src) for g in groups for _, src in _EFFECT_RAW[g] if src in eff.columns]
        footnote = spec.footnote
        if footnote and "{" in footnote:
            # Only numeric fields can be named in a footnote; tidy result frames
            # also carry strings and tuples (e.g. the covariates dropped).
            values = {c: F.fmt_num(r[c], 0 if c.startswith("n_") else dec)
                      for c in r.index if isinstance(r[c], (int, float, np.integer, np.floating))
                      and not isinstance(r[c], bool) and not F.is_missing(r[c])}
            footnote = footnote.format_map(values)
        add(Row(spec.key or str(spec.outcome), spec.label or str(spec.outcome), "data",
                spec.indent, footnote), cells, raws)

    keys = [r.key for r in out_rows]
    display = pd.DataFrame(disp_rows, index=keys, columns=[c.key for c in columns], dtype=object)
    raw = pd.DataFrame(raw_rows, index=keys, columns=raw_cols, dtype=object)
    return ReportTable(id=id, columns=columns, rows=out_rows, display=display, raw=raw,
                       stubhead=stubhead, notes=_as_notes(notes), source=source, caption=caption,
                       star_levels=star_levels, stub_width=stub_width)

