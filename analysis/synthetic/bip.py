"""Synthetic data for the BIP report on progression and active programmes (Beskæftigelses Indikator Projektet).

A seeded, documented data-generating process (DGP) for a panel of repeated
indicator answers (spec ``bip-and-star-note.md``, document 004, §7–§8). No real
person is behind any row.

Design
    3.707 citizens (aktivitetsparate kontanthjælpsmodtagere) in ten jobcentres
    A–J (:mod:`analysis.synthetic.bip_registers` draws their register
    background). Each citizen has 1 + NegBin measurements (mean about 3,75,
    at most :data:`MAX_MEASUREMENTS`) between 7 January 2013 and the data
    extraction on 7 May 2017; the gaps are 4 weeks + Gamma(2, 8,85), mean
    about 21,7 weeks ("knap 22 uger", intended 13). At a measurement the
    citizen answers B1–B11 (probability 0,985) and the caseworker S1–S12
    (0,976), giving about 13.690 citizen and 13.570 caseworker answers.

Programmes (S1)
    Every measurement has a true combination of the four programme types J O S
    H in the last three months, drawn from a multinomial logit over the 16
    combinations: intercepts plus the person's log-odds shifts of the types it
    contains (and of "no programme" for 0000), which depend on the register
    background (:func:`analysis.synthetic.bip_registers.type_propensities`).
    The intercepts are calibrated on the draw's own persons so the expected
    combination shares of the repeat measurements equal Tabel 3 of the report
    (:data:`TABEL3_COUNTS`). The caseworker ticks at least one S1 item of each
    type in the combination (item popularity :data:`ITEM_WEIGHTS`), "Ingen
    aktiviteter" for 0000, or, in 1,2 % of answers, only "Ved ikke" (the
    combination is then unknown to the analyst).

Indicator answers
    Item k of person i at measurement t is ``clip(round(L), 1, 5)`` with latent
    ``L = mu_ik + P_ikt + e_ikt``:
      * ``mu_ik`` person level (mean :data:`LEVEL_MEAN`, SD 0,85, sharing the
        person's general functioning ``g``; S12 adds 0,5 × the current
        caseworker's optimism, 0,5 × o_w);
      * ``P_ikt`` accumulated progression, a random walk whose step into t is
        ``drift_k(c_t) + GAP_SLOPE·(gap_t − 21,7)/10 + 0,3·shock`` (shocks
        correlated across items, 0,6 on a common person-measurement factor);
      * ``e_ikt`` answer noise, SD 0,62, correlation 0,35 on a common answer
        factor (so the item changes correlate about 0,12 and 8–12 % of index
        changes are exactly zero).
    ``drift_k(c) = DRIFT_SCALE · (TABEL1_MEAN[k] + TAU[k][c])``, where TAU is
    the target standardised cell mean of item k (centred with the Tabel 3
    weights, :func:`target_tau`) and DRIFT_SCALE undoes the attenuation by
    rounding and clipping at 1 and 5. The combination is the only
    programme-related cause of progression and is independent of everything
    else that moves the answers, so in this DGP the association is causal;
    the register background affects who gets which programme, not progression.

True associations
    What the report's no-intercept OLS estimates for an outcome is the
    population mean of standardised progression in each combination cell.
    :func:`population_cell_means` computes it from one large draw
    (20 × 3.707 citizens); the result is stored in :data:`TRUE_CELL_MEANS`
    (and meta.json), with the slope on weeks since the previous answer in
    :data:`TRUE_GAP_SLOPE`. Their Monte Carlo error is about 0,006 for the
    large cells and 0,04 for the smallest.

Missing answers
    A citizen answer has no B items with probability 0,16 (registered without
    indicator answers); otherwise items are missing with small item rates
    (:data:`CITIZEN_ITEM_MISSING`). A caseworker answer has no S2–S12 with
    probability 0,14 (S1 is still answered); 20 % of the others are partial,
    with high item rates (:data:`CASEWORKER_PARTIAL_MISSING`), the rest have
    0,5 % item non-response. This gives 6.000–7.000 item changes and about
    6.450 / 4.200 complete index changes as in the report's Tabel 1.

Caseworkers and follow-up (for the STAR note's BIP section)
    Each jobcentre has caseworkers in proportion to its citizens (about 330).
    A citizen keeps the caseworker from one measurement to the next with
    probability 0,82. Caseworker optimism ``o_w`` ~ N(0, 1) raises their S12
    (jobchance) ratings by 0,5 on the latent scale. ``uger_beskaeft_52u`` (weeks employed in the 52 weeks
    after the last measurement) depends on ``g``, employment history,
    psychiatric burden and education, plus :data:`TRUE_FOLLOWUP` effects of
    the last caseworker's optimism (log-odds per SD) and of each caseworker
    change.

Outputs of :func:`write`: ``persons.csv``, ``answers.csv``, ``meta.json`` and
``codebook.md``; byte-identical for the same seed.

CLI: ``python -m analysis.synthetic.bip --out data/synthetic/bip [--seed N]``.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import progression as prog
from analysis.synthetic import bip_registers as reg
from analysis.synthetic.contract import Rule, contract_from_columns
from analysis.synthetic.files import FileLayout, codebook_columns, finalize, read_files, write_files

GENERATOR_VERSION = "1.0.0"
DEFAULT_SEED = 20
N_PERSONS = 3707
FIRST_DAY = date(2013, 1, 7)
LAST_START = date(2016, 12, 31)
EXTRACTION_DAY = date(2017, 5, 7)
MAX_MEASUREMENTS = 14
MEAN_EXTRA_MEASUREMENTS = 2.85     # NegBin mean of measurements after the first (before truncation)
GAP_MIN_WEEKS, GAP_SHAPE, GAP_SCALE = 4.0, 2.0, 8.85
MEAN_GAP = GAP_MIN_WEEKS + GAP_SHAPE * GAP_SCALE
P_CITIZEN_ANSWERS, P_CASEWORKER_ANSWERS = 0.985, 0.976

ITEM_LABELS: dict[str, str] = {
    "B1": "Ide om arbejde", "B2": "Tage kontakt", "B3": "Samarbejde", "B4": "Netværk",
    "B5": "Hverdagsmestring", "B6": "Helbred", "B7": "Kompetence", "B8": "Klare et arbejde",
    "B9": "Viden om muligheder", "B10": "Jobsøgning", "B11": "Reservationsløn",
    "S2": "Realisme", "S3": "Målrettethed", "S4": "Initiativ", "S5": "Fortælle om sig selv",
    "S6": "Samarbejde", "S7": "Instruktion", "S8": "Koncentration", "S9": "Netværk",
    "S10": "Hverdagsmestring", "S11": "Helbred", "S12": "Jobchance",
}
B_ITEMS = tuple(f"B{k}" for k in range(1, 12))
S_ITEMS = tuple(f"S{k}" for k in range(2, 13))
ITEMS = B_ITEMS + S_ITEMS

#: Mean change between consecutive answers in the original report (Tabel 1): the calibration target.
TABEL1_MEAN: dict[str, float] = {
    "B1": 0.020, "B2": 0.046, "B3": -0.015, "B4": -0.013, "B5": 0.050, "B6": 0.046, "B7": -0.022,
    "B8": 0.024, "B9": 0.032, "B10": 0.0, "B11": 0.0,
    "S2": 0.035, "S3": 0.064, "S4": 0.068, "S5": 0.037, "S6": 0.014, "S7": 0.006, "S8": 0.015,
    "S9": 0.018, "S10": 0.045, "S11": 0.046, "S12": 0.034,
}
#: Repeat answers per combination in the original report (Tabel 3, total 6.946): the calibration target.
TABEL3_COUNTS: dict[str, int] = {
    "0000": 1598, "0001": 964, "0010": 416, "0011": 366, "0100": 447, "0101": 58, "0110": 59, "0111": 26,
    "1000": 1681, "1001": 380, "1010": 308, "1011": 286, "1100": 234, "1101": 24, "1110": 55, "1111": 44,
}
TABEL3_SHARE = {c: n / sum(TABEL3_COUNTS.values()) for c, n in TABEL3_COUNTS.items()}

#: Target standardised progression before centring: type effects (+ "none" for 0000) and
#: cell-specific extras per item, shaped after the significance pattern the report describes
#: for each figure (spec §4). B10 and B11 have none.
_TAU_DEFAULT = {"B": {"none": -0.035, "J": 0.06, "O": 0.03, "S": 0.0, "H": 0.015,
                      "extra": {"0101": 0.15, "1101": 0.08}},
                "S": {"none": -0.09, "J": 0.025, "O": 0.02, "S": 0.0, "H": 0.01, "extra": {"1010": 0.05}}}
_TAU_ITEM = {
    "B1": {"extra": {"1000": 0.04, "1101": 0.40}},
    "B2": {"extra": {"1000": 0.05, "1010": 0.12, "0010": -0.09}},
    "B3": {"extra": {"1001": 0.10, "1011": 0.10}},
    "B4": {"extra": {"1100": 0.14}},
    "B5": {"extra": {"1000": 0.04, "1010": 0.12}},
    "B6": {"J": 0.04},
    "B7": {"O": 0.05, "extra": {"1101": 0.40}},
    "B8": {"extra": {"1111": 0.35}},
    "B9": {"J": 0.04, "O": 0.04},
    "S2": {"extra": {"1010": 0.10, "1011": 0.12, "1100": 0.14}},
    "S3": {"extra": {"1000": 0.06, "1001": 0.12, "1101": 0.40}},
    "S4": {"extra": {"1000": 0.06, "1001": 0.12, "0010": -0.10}},
    "S5": {"extra": {"1110": 0.35}},
    "S6": {"none": -0.02, "J": 0.02, "own_extra_only": True},
    "S7": {"extra": {"0100": -0.12, "0101": 0.35, "1100": 0.14}},
    "S8": {"none": -0.02, "J": 0.02, "own_extra_only": True},
    "S9": {"none": -0.02, "J": 0.02, "own_extra_only": True},
    "S10": {"extra": {"1010": 0.14}},
    "S11": {"J": 0.0, "H": 0.03},
    "S12": {"extra": {"0010": -0.10, "1010": 0.14, "1101": 0.40}},
}
#: Latent drift per unit of target (rounding to 1–5 and clipping attenuate the latent change).
DRIFT_SCALE = 1.06
#: Latent change per 10 weeks of extra gap (all items).
GAP_SLOPE = -0.035
LEVEL_MEAN = {k: 3.1 for k in ITEMS} | {"B6": 2.9, "B8": 2.8, "S8": 3.2, "S12": 2.5, "B11": 3.3}
LEVEL_SD, STEP_SD, STEP_COMMON, NOISE_SD, NOISE_COMMON = 0.85, 0.30, 0.6, 0.62, 0.35

CITIZEN_EMPTY = 0.16
CITIZEN_ITEM_MISSING = {"B1": 0.006, "B2": 0.002, "B3": 0.003, "B4": 0.006, "B5": 0.0045, "B6": 0.005,
                        "B7": 0.0075, "B8": 0.006, "B9": 0.016, "B10": 0.03, "B11": 0.08}
CASEWORKER_EMPTY, CASEWORKER_PARTIAL, CASEWORKER_ITEM_MISSING = 0.14, 0.20, 0.005
CASEWORKER_PARTIAL_MISSING = {"S2": 0.28, "S3": 0.13, "S4": 0.195, "S5": 0.295, "S6": 0.44, "S7": 0.41,
                              "S8": 0.60, "S9": 0.45, "S10": 0.17, "S11": 0.13, "S12": 0.11}
S1_DONT_KNOW = 0.012
#: Relative popularity of the S1 items within their type.
ITEM_WEIGHTS = {3: 0.10, 5: 0.30, 7: 0.12, 12: 0.10, 13: 0.18, 14: 0.08, 17: 0.08, 19: 0.01, 20: 0.03,
                1: 0.40, 2: 0.35, 18: 0.15, 21: 0.10,
                4: 0.30, 6: 0.20, 8: 0.30, 15: 0.20,
                9: 0.25, 10: 0.40, 11: 0.25, 16: 0.10}
EXTRA_TICKS = 0.35           # Poisson mean of further ticks within a type

CASEWORKERS = 330
P_KEEP_CASEWORKER = 0.82
S12_OPTIMISM = 0.50
#: Employment follow-up: log-odds effects (true, by construction).
TRUE_FOLLOWUP = {"caseworker_optimism_per_sd": 0.40, "per_caseworker_change": -0.25}

TRUTH_SEED, TRUTH_SCALE = 1, 40
try:   # written by write_truth_module() (population_truth(TRUTH_SEED, TRUTH_SCALE)); see the module docstring
    from analysis.synthetic.bip_truth import TRUE_CELL_MEANS, TRUE_GAP_SLOPE, TRUE_MC_SE
except ImportError:  # pragma: no cover - only while the truth module is being (re)written
    TRUE_CELL_MEANS, TRUE_GAP_SLOPE, TRUE_MC_SE = {}, {}, {}


def target_tau(item: str) -> dict[str, float]:
    """Target standardised cell means of ``item`` (centred with the Tabel 3 weights)."""
    if item in ("B10", "B11"):
        return {c: 0.0 for c in prog.COMBINATIONS}
    spec = dict(_TAU_DEFAULT[item[0]])
    over = _TAU_ITEM.get(item, {})
    spec.update({k: v for k, v in over.items() if k in ("none",) + prog.TYPES})
    extra = {} if over.get("own_extra_only") else dict(_TAU_DEFAULT[item[0]]["extra"])
    extra.update(over.get("extra", {}))
    raw = {}
    for c in prog.COMBINATIONS:
        if c == prog.NO_PROGRAMME:
            v = spec["none"]
        else:
            v = sum(spec[T] for T, digit in zip(prog.TYPES, c) if digit == "1")
        raw[c] = v + extra.get(c, 0.0)
    mean = sum(TABEL3_SHARE[c] * raw[c] for c in prog.COMBINATIONS)
    return {c: raw[c] - mean for c in prog.COMBINATIONS}


# ---------------------------------------------------------------------------
# Column documentation: the single source of the schema and the codebook.
# (column, kind, decimals, nullable, unit, meaning)
# ---------------------------------------------------------------------------
def _person_columns() -> list[tuple]:
    cols = [
        ("person_id", "int", None, False, "id", "Citizen, 1..3707"),
        ("jobcenter", "str", None, False, "A–J", "Jobcentre (anonymised; BIP)"),
        ("female", "bool01", None, False, "0/1", "1 = woman (Danmarks Statistik)"),
        ("alder", "float", 2, False, "years", "Age at the first BIP measurement"),
        ("herkomst", "str", None, False, "category", "Origin: " + ", ".join(reg.ORIGINS)),
        ("gift", "bool01", None, False, "0/1", "Married"),
        ("boern", "str", None, False, "0 / 1 / 2-3 / 4+", "Number of children living at home"),
        ("single_med_boern", "bool01", None, False, "0/1", "Single (neither married nor cohabiting) with children"),
        ("uddannelse", "str", None, False, "category", "Highest education: ufaglaert, faglaert, videregaaende"),
    ]
    state_text = {"beskaeft": "in employment", "selvfors": "self-supporting", "udd": "in education",
                  "kh": "on kontanthjælp", "sdp": "on sygedagpenge",
                  "andet": "on other benefits (e.g. dagpenge, integrationsydelse)"}
    for s in reg.HISTORY_STATES:
        cols.append((f"hist5_{s}", "float", 4, False, "share 0–1", f"Share of the 5 years before the first measurement {state_text[s]} (DREAM)"))
    for s in reg.HISTORY_STATES:
        cols.append((f"hist3_{s}", "float", 4, False, "share 0–1", f"Share of the 3 years before the first measurement {state_text[s]} (DREAM)"))
    cols += [
        ("psyk_diag_eller_medicin", "bool01", None, False, "0/1", "Psychiatric diagnosis within 3 years or psychopharmaca (N05A, N05B/C, N06A) within 6 months before"),
        ("psyk_diag", "bool01", None, False, "0/1", "Any psychiatric diagnosis (ICD-10 F00–F99) within 3 years before"),
        ("psyk_let", "bool01", None, False, "0/1", "Lighter diagnosis: F10–F19, F30–F39, F40–F49, F50–F59 or F90–F98"),
        ("psyk_svaer", "bool01", None, False, "0/1", "Severe diagnosis: F00–F09, F20–F29, F60–F69, F70–F79 or F80–F89"),
    ]
    for c in reg.PSYCH_GROUPS:
        codes = "–".join(f"F{x}" for x in c[1:].split("_"))
        cols.append((c, "bool01", None, False, "0/1", f"Psychiatric diagnosis {codes} within 3 years before (LPR)"))
    som_text = {"som_kraeft": "cancer incl. precursors (C, D00–D09, D37–D48)", "som_diabetes": "diabetes (E10–E14)",
                "som_nerve": "nervous system (G)", "som_hjertekar": "cardiovascular (I)", "som_lunge": "lungs (J)",
                "som_bevaege": "musculoskeletal (M)", "som_graviditet": "pregnancy and birth (O)",
                "som_urin": "digestive and urinary (N)", "som_oejne": "eyes and ears (H)",
                "som_undersoeg": "diagnostic examinations etc. (Z)", "som_uheld": "accidents etc. (S–Y)"}
    for c in reg.SOMATIC_GROUPS:
        cols.append((c, "bool01", None, False, "0/1", f"Somatic diagnosis within 3 years before: {som_text[c]} (LPR)"))
    med_text = {"med_livsstil": "lifestyle-related (ATC A02, A10, B01, C)", "med_smerte": "painkillers (M01, N02)",
                "med_antipsykotisk": "antipsychotics (N05A)", "med_angst": "anxiolytics (N05B, N05C)",
                "med_antidepressiva": "antidepressants (N06A)",
                "med_misbrug": "addiction-related as defined in the report (N07BB, N07BC, R03)"}
    for c in reg.MEDICINE:
        cols.append((c, "bool01", None, False, "0/1", f"Purchase within 6 months before: {med_text[c]}"))
    cols += [
        ("laege_uger", "int", None, False, "weeks 0–52", "Weeks with a GP contact in the 12 months before (Sygesikringen)"),
        ("laege_ydelser", "int", None, False, "count", "Registered GP services in the 12 months before"),
        ("laege_honorar", "float", 2, False, "kr", "GP fees in the 12 months before"),
    ]
    crime_text = {"straffelov": "the Criminal Code", "trafik": "traffic law",
                  "andet": "other laws (euforiserende stoffer, våbenloven etc.)"}
    for kind in ("sigtet", "doemt"):
        for law in ("straffelov", "trafik", "andet"):
            what = "Charged" if kind == "sigtet" else "Convicted"
            cols.append((f"{kind}_{law}", "bool01", None, False, "0/1", f"{what} under {crime_text[law]} within 5 years before"))
    cols.append(("uger_beskaeft_52u", "int", None, False, "weeks 0–52", "Weeks in employment in the 52 weeks after the last measurement (DREAM)"))
    return cols


def _answer_columns() -> list[tuple]:
    cols = [
        ("person_id", "int", None, False, "id", "Citizen (persons.csv)"),
        ("maaling", "int", None, False, "1, 2, …", "Measurement number of the citizen"),
        ("date", "date", None, False, "YYYY-MM-DD", "Date of the measurement (interview at the jobcentre)"),
        ("caseworker_id", "int", None, False, "id", "Caseworker at the measurement (unique across jobcentres)"),
        ("borger_svar", "bool01", None, False, "0/1", "The citizen answered (B1–B11 may still be missing)"),
        ("sagsbeh_svar", "bool01", None, False, "0/1", "The caseworker answered (S1–S12 may still be missing)"),
    ]
    for k in B_ITEMS:
        cols.append((k, "int", None, True, "1–5", f"Citizen: {ITEM_LABELS[k]} (1 lowest, 5 highest)"))
    for i in prog.S1_ITEMS:
        cols.append((prog.s1_column(i), "bool01", None, True, "0/1",
                     f"S1 item {i} ticked (activities in the last three months; missing if the caseworker did not answer)"))
    for k in S_ITEMS:
        cols.append((k, "int", None, True, "1–5", f"Caseworker: {ITEM_LABELS[k]} (1 lowest, 5 highest)"))
    return cols


COLUMNS: dict[str, list[tuple]] = {"persons": _person_columns(), "answers": _answer_columns()}
SCHEMA = {stem: {c[0]: c[1] for c in cols} for stem, cols in COLUMNS.items()}
NULLABLE = {stem: {c[0] for c in cols if c[3]} for stem, cols in COLUMNS.items()}
DECIMALS = {stem: {c[0]: c[2] for c in cols if c[2] is not None} for stem, cols in COLUMNS.items()}
SORT_KEYS = {"persons": ["person_id"], "answers": ["person_id", "maaling"]}
LAYOUTS = {stem: FileLayout(SCHEMA[stem], frozenset(NULLABLE[stem]), DECIMALS[stem], tuple(SORT_KEYS[stem]))
           for stem in SCHEMA}
CONTRACT = contract_from_columns(
    "bip", COLUMNS,
    keys={"persons": ["person_id"], "answers": ["person_id", "maaling"]},
    rules={"persons.jobcenter": Rule(values=reg.JOBCENTRES), "persons.alder": Rule(min=15, max=70),
           "persons.herkomst": Rule(values=reg.ORIGINS), "persons.boern": Rule(values=reg.CHILDREN),
           "persons.uddannelse": Rule(values=reg.EDUCATIONS), "persons.hist*": Rule(min=0, max=1),
           "persons.laege_uger": Rule(min=0, max=53), "persons.laege_ydelser": Rule(min=0),
           "persons.laege_honorar": Rule(min=0), "persons.uger_beskaeft_52u": Rule(min=0, max=52),
           "answers.maaling": Rule(min=1), "answers.caseworker_id": Rule(min=1),
           **{f"answers.{k}": Rule(values=(1, 2, 3, 4, 5)) for k in ITEMS}},
    references={"answers.person_id": "persons.person_id"},
)


@dataclass
class BipData:
    persons: pd.DataFrame
    answers: pd.DataFrame
    meta: dict = field(default_factory=dict)

    def frames(self) -> dict[str, pd.DataFrame]:
        return {"persons": self.persons, "answers": self.answers}


# ---------------------------------------------------------------------------
# the draw
# ---------------------------------------------------------------------------
def _measurement_dates(rng, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(person index, measurement number, day offset from FIRST_DAY) of every measurement."""
    p = 2.0 / (2.0 + MEAN_EXTRA_MEASUREMENTS)
    k = np.minimum(1 + rng.negative_binomial(2, p, n), MAX_MEASUREMENTS)
    gaps = rng.gamma(GAP_SHAPE, GAP_SCALE, (n, MAX_MEASUREMENTS - 1)) + GAP_MIN_WEEKS
    gap_days = np.round(gaps * 7).astype(int)
    horizon = (EXTRACTION_DAY - FIRST_DAY).days
    last_start = (LAST_START - FIRST_DAY).days
    u = rng.random(n)
    offs = np.concatenate([np.zeros((n, 1), dtype=int), np.cumsum(gap_days, axis=1)], axis=1)
    valid = (np.arange(MAX_MEASUREMENTS)[None, :] < k[:, None]) & (offs <= horizon)
    last_off = np.where(valid, offs, 0).max(axis=1)
    start = (u * (np.minimum(last_start, horizon - last_off) + 1)).astype(int)
    rows, cols = np.nonzero(valid)
    return rows, cols + 1, start[rows] + offs[rows, cols]


def _combination_design() -> np.ndarray:
    """16 × 4 matrix of the J O S H digits of each combination."""
    return np.array([[int(ch) for ch in c] for c in prog.COMBINATIONS], dtype=float)


def _calibrate_intercepts(shift: np.ndarray, weight: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Intercepts a_c such that the weighted mean softmax probability of every combination equals
    ``target`` (iterative proportional fitting on the log scale; converges geometrically)."""
    a = np.log(target)
    w = weight / weight.sum()
    for _ in range(1000):
        z = shift + a
        z -= z.max(axis=1, keepdims=True)
        pr = np.exp(z)
        pr /= pr.sum(axis=1, keepdims=True)
        step = np.log(target / (w @ pr))
        a += step
        if np.abs(step).max() < 1e-12:
            break
    return a - a[0]


def _draw_combinations(rng, prop: dict[str, np.ndarray], person: np.ndarray, repeat: np.ndarray):
    D = _combination_design()
    none = np.zeros(16)
    none[0] = 1.0
    per_person = np.column_stack([prop[T] for T in prog.TYPES]) @ D.T + np.outer(prop["none"], none)
    target = np.array([TABEL3_SHARE[c] for c in prog.COMBINATIONS])
    a = _calibrate_intercepts(per_person, np.bincount(person[repeat], minlength=len(per_person)), target)
    z = per_person[person] + a
    z -= z.max(axis=1, keepdims=True)
    pr = np.exp(z)
    pr /= pr.sum(axis=1, keepdims=True)
    idx = reg._categorical(rng, pr)
    return idx, a


def _draw_ticks(rng, combo_idx: np.ndarray, answered: np.ndarray) -> np.ndarray:
    """S1 ticks (n × 23, float with NaN where the caseworker did not answer)."""
    n = len(combo_idx)
    D = _combination_design()
    ticks = np.zeros((n, 23))
    extra = rng.poisson(EXTRA_TICKS, (n, 4))
    u = rng.random((n, 4, 9))
    dont_know = rng.random(n) < S1_DONT_KNOW
    for t_pos, T in enumerate(prog.TYPES):
        items = np.array(prog.TYPE_ITEMS[T])
        w = np.array([ITEM_WEIGHTS[i] for i in items])
        w = w / w.sum()
        has = D[combo_idx, t_pos] == 1
        m = np.minimum(1 + extra[:, t_pos], len(items))
        # weighted sampling without replacement: Efraimidis–Spirakis keys u^(1/w)
        keys = u[:, t_pos, : len(items)] ** (1.0 / w)
        order = np.argsort(-keys, axis=1)
        for r in range(len(items)):
            chosen = has & (r < m)
            ticks[chosen, items[order[chosen, r]] - 1] = 1
    ticks[combo_idx == 0, prog.S1_NONE_ITEM - 1] = 1
    ticks[dont_know] = 0
    ticks[dont_know, prog.S1_DONT_KNOW_ITEM - 1] = 1
    ticks[~answered] = np.nan
    return ticks


def _scores(rng, person, number, gap_weeks, combo_idx, g, optimism_now) -> dict[str, np.ndarray]:
    """Latent levels, progression and answer noise → integer answers 1–5 for every item."""
    n_meas = len(person)
    n_pers = int(person.max()) + 1
    first = number == 1
    # one common step shock and one common answer factor per measurement and respondent
    w_step = rng.normal(size=n_meas)
    q_cit, q_cw = rng.normal(size=n_meas), rng.normal(size=n_meas)
    out = {}
    gap_c = np.where(first, 0.0, (gap_weeks - MEAN_GAP) / 10.0)
    for k in ITEMS:
        tau = target_tau(k)
        drift = DRIFT_SCALE * (TABEL1_MEAN[k] + np.array([tau[c] for c in prog.COMBINATIONS]))
        h = rng.normal(size=n_pers)
        mu = LEVEL_MEAN[k] + LEVEL_SD * (0.6 * g + 0.8 * h)
        step = drift[combo_idx] + DRIFT_SCALE * GAP_SLOPE * gap_c + STEP_SD * (
            STEP_COMMON * w_step + np.sqrt(1 - STEP_COMMON ** 2) * rng.normal(size=n_meas))
        step[first] = 0.0
        cs = np.cumsum(step)
        start = np.maximum.accumulate(np.where(first, np.arange(n_meas), 0))
        P = cs - cs[start]
        q = q_cit if k.startswith("B") else q_cw
        e = NOISE_SD * (NOISE_COMMON * q + np.sqrt(1 - NOISE_COMMON ** 2) * rng.normal(size=n_meas))
        L = mu[person] + P + e
        if k == "S12":
            L = L + S12_OPTIMISM * optimism_now
        out[k] = np.clip(np.round(L), 1, 5).astype(int)
    return out


def _apply_missing(rng, scores, cit_ans, cw_ans) -> dict[str, np.ndarray]:
    n = len(cit_ans)
    cit_empty = rng.random(n) < CITIZEN_EMPTY
    cw_empty = rng.random(n) < CASEWORKER_EMPTY
    cw_partial = rng.random(n) < CASEWORKER_PARTIAL
    out = {}
    for k in ITEMS:
        u = rng.random(n)
        v = scores[k].astype(float)
        if k.startswith("B"):
            miss = ~cit_ans | cit_empty | (u < CITIZEN_ITEM_MISSING[k])
        else:
            rate = np.where(cw_partial, CASEWORKER_PARTIAL_MISSING[k], CASEWORKER_ITEM_MISSING)
            miss = ~cw_ans | cw_empty | (u < rate)
        v[miss] = np.nan
        out[k] = v
    return out


def _caseworkers(rng, persons: pd.DataFrame, person: np.ndarray, number: np.ndarray):
    """Caseworker id per measurement, optimism per caseworker, and changes per person."""
    jc = persons["jobcenter"].to_numpy()
    sizes = {j: max(8, int(round(CASEWORKERS * reg.JOBCENTRE_SHARE[j]))) for j in reg.JOBCENTRES}
    first_id, ids = {}, 1
    for j in reg.JOBCENTRES:
        first_id[j] = ids
        ids += sizes[j]
    optimism = rng.normal(size=ids)          # index 0 unused
    keep = rng.random(len(person)) < P_KEEP_CASEWORKER
    pick = rng.random(len(person))
    jc_row = jc[person]
    first = np.array([first_id[j] for j in jc_row])
    size = np.array([sizes[j] for j in jc_row])
    draw = first + (pick * size).astype(int)
    new = (number == 1) | ~keep
    cw = draw[np.maximum.accumulate(np.where(new, np.arange(len(person)), 0))]
    changed = (number > 1) & (cw != np.roll(cw, 1))
    n_changes = np.bincount(person, weights=changed.astype(float), minlength=len(persons))
    return cw, optimism, n_changes


def generate(seed: int = DEFAULT_SEED, n_persons: int = N_PERSONS) -> BipData:
    """One draw of the DGP (module docstring)."""
    rng = np.random.default_rng(seed)
    persons, lat = reg.draw_persons(rng, n_persons)
    prop = reg.type_propensities(rng, persons, lat)
    person, number, day = _measurement_dates(rng, n_persons)
    n = len(person)
    repeat = number > 1
    gap_weeks = np.where(repeat, (day - np.roll(day, 1)) / 7.0, np.nan)
    combo_idx, intercepts = _draw_combinations(rng, prop, person, repeat)
    cit_ans = rng.random(n) < P_CITIZEN_ANSWERS
    cw_ans = rng.random(n) < P_CASEWORKER_ANSWERS
    ticks = _draw_ticks(rng, combo_idx, cw_ans)
    cw, optimism, n_changes = _caseworkers(rng, persons, person, number)
    scores = _scores(rng, person, number, gap_weeks, combo_idx, lat["g"], optimism[cw])
    values = _apply_missing(rng, scores, cit_ans, cw_ans)
    # follow-up: weeks employed in the 52 weeks after the last measurement
    last = np.r_[number[1:] == 1, True]
    last_cw = np.zeros(n_persons, dtype=int)
    last_cw[person[last]] = cw[last]
    eta = (-1.9 + 0.55 * lat["g"] + 4.0 * (lat["emp5"] - 0.09) - 0.25 * lat["psy"] + 0.2 * lat["skilled"]
           + TRUE_FOLLOWUP["caseworker_optimism_per_sd"] * optimism[last_cw]
           + TRUE_FOLLOWUP["per_caseworker_change"] * n_changes + rng.normal(0, 0.7, n_persons))
    employed = rng.random(n_persons) < 1 / (1 + np.exp(-eta))
    weeks = 1 + rng.binomial(51, 1 / (1 + np.exp(-(-0.4 + 0.4 * lat["g"]))))
    persons["uger_beskaeft_52u"] = np.where(employed, weeks, 0)

    dates = [(FIRST_DAY + timedelta(days=int(d))).isoformat() for d in day]
    answers = pd.DataFrame({"person_id": person + 1, "maaling": number, "date": dates, "caseworker_id": cw,
                            "borger_svar": cit_ans.astype(int), "sagsbeh_svar": cw_ans.astype(int)})
    for k in B_ITEMS:
        answers[k] = values[k]
    for i in prog.S1_ITEMS:
        answers[prog.s1_column(i)] = ticks[:, i - 1]
    for k in S_ITEMS:
        answers[k] = values[k]
    persons = finalize(persons, LAYOUTS["persons"])
    answers = finalize(answers, LAYOUTS["answers"])
    meta = {
        "generator": "analysis.synthetic.bip", "generator_version": GENERATOR_VERSION, "seed": int(seed),
        "synthetic": True,
        "n_persons": int(n_persons), "n_measurements": int(n),
        "n_citizen_answers": int(cit_ans.sum()), "n_caseworker_answers": int(cw_ans.sum()),
        "combination_intercepts": {c: round(float(v), 6) for c, v in zip(prog.COMBINATIONS, intercepts)},
        "true_cell_means": TRUE_CELL_MEANS, "true_cell_means_mc_se": TRUE_MC_SE,
        "true_gap_slope_per_week": TRUE_GAP_SLOPE,
        "true_followup_log_odds": TRUE_FOLLOWUP,
        "target_tau": {k: {c: round(v, 4) for c, v in target_tau(k).items()} for k in ITEMS},
        "calibration": {"tabel1_mean_change": TABEL1_MEAN, "tabel3_counts": TABEL3_COUNTS,
                        "drift_scale": DRIFT_SCALE, "gap_slope_latent_per_10_weeks": GAP_SLOPE},
    }
    return BipData(persons=persons, answers=answers, meta=meta)


# ---------------------------------------------------------------------------
# the true associations and the default seed
# ---------------------------------------------------------------------------
def population_truth(seed: int = TRUTH_SEED, scale: int = TRUTH_SCALE) -> dict:
    """Cell means of standardised progression and the slope on weeks since the previous answer in one
    draw of ``scale`` × 3.707 citizens: the population values the report's estimators target.

    Returns ``{"cell_means": {outcome: {cell: mean}}, "mc_se": {outcome: {cell: se}},
    "gap_slope_per_week": {outcome: slope}}`` (Monte Carlo SE = SD / sqrt(n) of the cell).
    """
    d = generate(seed, n_persons=scale * N_PERSONS)
    f = prog.changes_frame(d.answers)
    cells, mc, slopes = {}, {}, {}
    for o in prog.OUTCOMES:
        smp = prog.estimation_sample(f, o)
        g = smp.groupby("combination")["z"]
        m, sd, n = g.mean(), g.std(ddof=1), g.size()
        cells[o] = {c: round(float(m[c]), 4) for c in prog.COMBINATIONS}
        mc[o] = {c: round(float(sd[c] / np.sqrt(n[c])), 4) for c in prog.COMBINATIONS}
        slopes[o] = round(prog.slope(smp["z"], smp["weeks"]).estimate, 6)
    return {"cell_means": cells, "mc_se": mc, "gap_slope_per_week": slopes}


def write_truth_module(path=None) -> Path:
    """(Re)write ``analysis/synthetic/bip_truth.py`` from :func:`population_truth` (a few minutes)."""
    t = population_truth()
    path = Path(path or Path(__file__).with_name("bip_truth.py"))
    lines = ['"""True associations of the synthetic BIP DGP (generated by analysis.synthetic.bip.write_truth_module;',
             f'population_truth(seed={TRUTH_SEED}, scale={TRUTH_SCALE}), generator version {GENERATOR_VERSION}. Do not edit."""',
             "# fmt: off"]
    for name, key in (("TRUE_CELL_MEANS", "cell_means"), ("TRUE_MC_SE", "mc_se")):
        lines.append(f"{name} = {{")
        for o, cells in t[key].items():
            lines.append(f"    {o!r}: {{" + ", ".join(f"{c!r}: {v!r}" for c, v in cells.items()) + "},")
        lines.append("}")
    lines.append("TRUE_GAP_SLOPE = {")
    lines += [f"    {o!r}: {v!r}," for o, v in t["gap_slope_per_week"].items()]
    lines.append("}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


#: The published pattern the default seed is chosen to resemble (spec §4, §8): index cell means.
PUBLISHED_INDEX_CELLS = {("B1-B9", "0000"): -0.15, ("B1-B9", "1101"): 0.47, ("S2-S12", "0000"): -0.20}
#: ... and the cells the original calls significant with their sign.
PUBLISHED_SIGNIFICANT = {("B1-B9", "0000"): -1, ("B1-B9", "1101"): 1, ("B1-B9", "0101"): 1,
                         ("S2-S12", "0000"): -1, ("S2-S12", "1010"): 1}


def seed_distance(data: BipData) -> tuple[float, bool]:
    """(sum of squared distances of PUBLISHED_INDEX_CELLS in standard errors, all
    PUBLISHED_SIGNIFICANT cells significant at 5 % with the published sign) for one draw."""
    f = prog.changes_frame(data.answers)
    fits = {o: prog.progression_cell_means(f, o).table.set_index("cell") for o in ("B1-B9", "S2-S12")}
    dist = sum(((fits[o].at[c, "estimate"] - v) / fits[o].at[c, "se"]) ** 2
               for (o, c), v in PUBLISHED_INDEX_CELLS.items())
    ok = all(fits[o].at[c, "p_value"] < 0.05 and np.sign(fits[o].at[c, "estimate"]) == sgn
             for (o, c), sgn in PUBLISHED_SIGNIFICANT.items())
    return float(dist), bool(ok)


def choose_seed(seeds=range(1, 101)) -> int:
    """DEFAULT_SEED's rule: among the seeds whose draw has every PUBLISHED_SIGNIFICANT cell significant
    with the published sign, the one with the smallest :func:`seed_distance` (about 2 s a seed)."""
    scored = [(seed_distance(generate(s)), s) for s in seeds]
    return min((d, s) for (d, ok), s in scored if ok)[1]


# ---------------------------------------------------------------------------
# files
# ---------------------------------------------------------------------------
def codebook_text(meta: dict | None = None) -> str:
    meta = meta or {}
    lines = ["# Synthetic BIP data (Beskæftigelses Indikator Projektet)", "",
             f"Generated by `analysis.synthetic.bip` (version {GENERATOR_VERSION}), seed {meta.get('seed', DEFAULT_SEED)}: "
             f"{meta.get('n_persons', N_PERSONS)} citizens, {meta.get('n_measurements', '…')} measurements, "
             f"{meta.get('n_citizen_answers', '…')} citizen and {meta.get('n_caseworker_answers', '…')} caseworker "
             "answers. No real person is behind any row. The data-generating process is described in the "
             "module docstring; `meta.json` holds the seed, the calibration targets and the true associations "
             "(`true_cell_means`: population mean of standardised progression per item and J O S H combination, "
             "which the report's no-intercept OLS estimates).", "",
             "Programme types from S1 (the report's Tabel 2): "
             + "; ".join(f"{T} = items {', '.join(map(str, items))}" for T, items in prog.TYPE_ITEMS.items())
             + f"; item {prog.S1_NONE_ITEM} = no activities, item {prog.S1_DONT_KNOW_ITEM} = don't know.", ""]
    for stem, cols in COLUMNS.items():
        lines += codebook_columns(stem, cols, SORT_KEYS[stem])
        lines += CONTRACT.codebook_lines(stem)
    return "\n".join(lines)


def write(out_dir, seed: int = DEFAULT_SEED) -> list[Path]:
    data = generate(seed)
    return write_files(out_dir, data.frames(), LAYOUTS, data.meta, codebook_text(data.meta))


def load(data_dir, raws=None) -> BipData:
    frames, meta = read_files(data_dir, LAYOUTS, raws=raws)
    return BipData(meta=meta, **frames)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m analysis.synthetic.bip", description="Write the synthetic BIP data set.")
    ap.add_argument("--out", required=True, help="output folder, e.g. data/synthetic/bip")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    args = ap.parse_args(argv)
    for p in write(args.out, args.seed):
        print(p)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
