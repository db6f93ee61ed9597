"""Baseline balance by arm and by take-up (the data of Tabel A2).

Groups (:data:`GROUPS`, label-free keys; the report maps them to Tilbud,
Kontrol, Accept, Nej-tak):

* ``offer``   – offered units (offer == 1)
* ``control`` – control units (offer == 0)
* ``accept``  – offered units whose family accepted (offer == 1, accept == 1)
* ``decline`` – offered units whose family declined (offer == 1, accept == 0)

Tidy shape: one row per (variable, group), in variable order then group order,
with columns

    variable  key of the row (BalanceVariable.key)
    unit      "person" or "family": the frame the statistic is computed on
    kind      "count" (n only), "mean" (mean and sd) or "share" (proportion 0-1 in
              ``mean``; ``sd`` is its Bernoulli sd with ddof=1)
    group     one of GROUPS
    n         number of non-missing units used
    mean, sd  float (NaN for kind "count"); sd has ddof=1

Person-level rows (age, gender, origin, the child, youth and adult rows) are
computed on the person frame; family-level rows (family size, number of
children, baseline notifications, 2018 expenditures) are *unweighted* means
over families, one row per family, as in the published table (617/132 = 4.7 is
the family-level mean family size; a person-weighted mean would be about 5.2).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

GROUPS: tuple[str, ...] = ("offer", "control", "accept", "decline")
COLUMNS: tuple[str, ...] = ("variable", "unit", "kind", "group", "n", "mean", "sd")


@dataclass(frozen=True)
class BalanceVariable:
    """One row of the balance table.

    ``column``: the column summarised (ignored for ``kind="count"`` without a
    column: then units are counted). ``level``: for a categorical column, the
    share equal to this level. ``subset``: name of a 0/1 column restricting the
    population (e.g. ``is_adult``)."""

    key: str
    unit: str
    kind: str
    column: str | None = None
    level: object = None
    subset: str | None = None


#: The rows of Tabel A2 in printed order, keyed to the OtO synthetic data columns.
OTO_A2_VARIABLES: tuple[BalanceVariable, ...] = (
    BalanceVariable("n_persons", "person", "count"),
    BalanceVariable("age_2019", "person", "mean", "age_2019"),
    BalanceVariable("female", "person", "share", "female"),
    BalanceVariable("origin_dansk", "person", "share", "origin", "dansk"),
    BalanceVariable("origin_efterkommer", "person", "share", "origin", "efterkommer"),
    BalanceVariable("origin_indvandrer", "person", "share", "origin", "indvandrer"),
    BalanceVariable("family_size", "family", "mean", "family_size"),
    BalanceVariable("n_children_le18", "family", "mean", "n_children_le18"),
    BalanceVariable("notif_base", "family", "mean", "notif_base"),
    BalanceVariable("exp_social_2018", "family", "mean", "exp_social_2018"),
    BalanceVariable("exp_employ_2018", "family", "mean", "exp_employ_2018"),
    BalanceVariable("exp_total_2018", "family", "mean", "exp_total_2018"),
    BalanceVariable("school_absence_base", "person", "mean", "school_absence_base", subset="in_school_window"),
    BalanceVariable("exam_grade_base", "person", "mean", "exam_grade_base"),
    BalanceVariable("trivsel_base", "person", "mean", "trivsel_base", subset="in_school_window"),
    BalanceVariable("youth_hours_base", "person", "mean", "youth_hours_base", subset="is_youth"),
    BalanceVariable("youth_edu_base", "person", "share", "youth_edu_base", subset="youth_su_eligible"),
    BalanceVariable("n_adults", "person", "count", subset="is_adult"),
    BalanceVariable("adult_hours_base", "person", "mean", "adult_hours_base", subset="is_adult"),
    BalanceVariable("activation_base", "person", "mean", "activation_base", subset="is_adult"),
    BalanceVariable("fp_base", "person", "share", "fp_base", subset="is_adult"),
    BalanceVariable("fleks_base", "person", "share", "fleks_base", subset="is_adult"),
)


def group_masks(frame: pd.DataFrame, offer: str = "offer", accept: str = "accept") -> dict[str, pd.Series]:
    """Boolean masks of :data:`GROUPS` on a frame with offer/accept columns."""
    o = frame[offer] == 1
    a = frame[accept].fillna(0) == 1
    return {"offer": o, "control": frame[offer] == 0, "accept": o & a, "decline": o & ~a}


def balance_table(persons: pd.DataFrame, families: pd.DataFrame,
                  variables: Sequence[BalanceVariable] = OTO_A2_VARIABLES, *,
                  offer: str = "offer", accept: str = "accept") -> pd.DataFrame:
    """Tidy balance statistics (module docstring for the shape)."""
    frames = {"person": persons, "family": families}
    masks = {unit: group_masks(f, offer, accept) for unit, f in frames.items()}
    rows = []
    for v in variables:
        if v.unit not in frames:
            raise ValueError(f"{v.key}: unit must be 'person' or 'family'")
        if v.kind not in ("count", "mean", "share"):
            raise ValueError(f"{v.key}: kind must be 'count', 'mean' or 'share'")
        f = frames[v.unit]
        for col in (v.column, v.subset):
            if col is not None and col not in f.columns:
                raise ValueError(f"{v.key}: the {v.unit} frame has no column '{col}'")
        base = pd.Series(True, index=f.index) if v.subset is None else (f[v.subset] == 1)
        for g in GROUPS:
            m = masks[v.unit][g] & base
            if v.kind == "count" and v.column is None:
                rows.append((v.key, v.unit, v.kind, g, int(m.sum()), np.nan, np.nan))
                continue
            x = f.loc[m, v.column]
            if v.level is not None:
                x = x.dropna().eq(v.level).astype(float)
            else:
                x = pd.to_numeric(x.dropna()).astype(float)
            if v.kind == "count":
                rows.append((v.key, v.unit, v.kind, g, int(len(x)), np.nan, np.nan))
            else:
                rows.append((v.key, v.unit, v.kind, g, int(len(x)),
                             float(x.mean()) if len(x) else np.nan,
                             float(x.std(ddof=1)) if len(x) > 1 else np.nan))
    out = pd.DataFrame(rows, columns=list(COLUMNS))
    out["n"] = out["n"].astype(int)
    return out
