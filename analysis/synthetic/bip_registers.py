"""Register background of the synthetic BIP citizens (persons.csv), part of :mod:`analysis.synthetic.bip`.

One row per citizen, everything measured before (or, for the follow-up, after)
the BIP measurements: socio-economics (Danmarks Statistik), labour-market
history (DREAM), psychiatric and somatic diagnoses (LPR, ICD-10 groups),
prescription medicine (ATC groups), GP contacts and fees (Sygesikringen),
charges and convictions (Kriminalstatistik), and weeks employed in the year
after the last measurement (DREAM).

Latent person factors drive everything and are what programme selection
(:func:`type_propensities`) acts on, so the "who gets which programme" tables
(the report's Tabel 4–11) show the spec's patterns (spec §8 "Selection
patterns to reproduce"):

``nw``    non-Western immigrant (drives marriage, children, unskilled, "andre
          ydelser", lower psychiatric and crime rates, and the Opkvalificering
          propensity);
``psy``   psychiatric burden N(0, 1), higher for the young, lower for
          non-Western immigrants (diagnoses, psychopharmaca; Social and
          Helbred propensities);
``som``   somatic burden N(0, 1), rising with age (somatic groups, pain and
          lifestyle medicine, GP contacts, sickness benefit; Helbred and "no
          programme");
``crim``  criminality N(0, 1) (men, the young, psychiatric burden; less for
          non-Western immigrants);
``g``     general functioning N(0, 1), shared with the indicator levels in
          :mod:`analysis.synthetic.bip` and the employment follow-up.

The rates are set so the column shares land near the published ones (spec
§3, Tabel 4–11); the exact values of a draw are whatever the tables show.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

JOBCENTRES: tuple[str, ...] = tuple("ABCDEFGHIJ")
#: Share of citizens per jobcentre (roughly the column mix of Tabel 4).
JOBCENTRE_SHARE = {"A": 0.05, "B": 0.04, "C": 0.07, "D": 0.11, "E": 0.23, "F": 0.09, "G": 0.145,
                   "H": 0.05, "I": 0.095, "J": 0.125}
#: Jobcentre shifts of the log-odds of each programme type and of "no programme" (Tabel 4 text:
#: B and E use Opkvalificering, A Helbred, C and I Social, D and J leave citizens without programme).
JOBCENTRE_TYPE_SHIFT = {
    "A": {"J": 0.0, "O": -0.6, "S": 0.1, "H": 0.55, "none": -0.7},
    "B": {"J": -0.1, "O": 0.55, "S": -0.7, "H": -0.6, "none": 0.2},
    "C": {"J": 0.0, "O": 0.0, "S": 0.45, "H": -0.2, "none": -0.3},
    "D": {"J": 0.0, "O": 0.1, "S": 0.0, "H": -0.1, "none": 0.45},
    "E": {"J": 0.1, "O": 0.2, "S": -0.1, "H": 0.2, "none": -0.3},
    "F": {"J": 0.0, "O": -0.1, "S": 0.1, "H": -0.1, "none": 0.05},
    "G": {"J": 0.15, "O": -0.5, "S": 0.1, "H": -0.1, "none": -0.1},
    "H": {"J": 0.2, "O": -0.5, "S": 0.0, "H": 0.1, "none": -0.6},
    "I": {"J": 0.1, "O": -0.2, "S": 0.2, "H": 0.1, "none": -0.7},
    "J": {"J": -0.2, "O": 0.3, "S": -0.1, "H": 0.1, "none": 0.55},
}
#: Origin (Danmarks Statistik herkomst); non-Western immigrants are over-represented in B, E and J.
ORIGINS = ("dansk", "vestlig_indvandrer", "vestlig_efterkommer", "ikke_vestlig_indvandrer",
           "ikke_vestlig_efterkommer")
NW_SHARE_BY_JOBCENTRE = {"A": 0.09, "B": 0.26, "C": 0.12, "D": 0.15, "E": 0.21, "F": 0.13, "G": 0.11,
                         "H": 0.09, "I": 0.11, "J": 0.21}
EDUCATIONS = ("ufaglaert", "faglaert", "videregaaende")
CHILDREN = ("0", "1", "2-3", "4+")

#: Psychiatric groups (ICD-10 F chapter): column → (base log-odds, slope on psy, severe?).
PSYCH_GROUPS = {
    "f00_09": (-7.7, 1.7, True), "f10_19": (-3.9, 1.7, False), "f20_29": (-4.9, 1.9, True),
    "f30_39": (-2.7, 1.7, False), "f40_48": (-2.85, 1.7, False), "f50_59": (-6.6, 1.7, False),
    "f60_69": (-3.45, 1.8, True), "f70_79": (-7.2, 1.5, True), "f80_89": (-6.5, 1.6, True),
    "f90_98": (-3.9, 1.7, False), "f99": (-4.5, 1.7, False),
}
#: Somatic groups (ICD-10 chapters): column → (base log-odds, slope on som, slope on age/10).
SOMATIC_GROUPS = {
    "som_kraeft": (-5.0, 0.6, 0.45), "som_diabetes": (-4.9, 0.6, 0.5), "som_nerve": (-3.15, 0.6, 0.15),
    "som_hjertekar": (-3.5, 0.6, 0.45), "som_lunge": (-3.3, 0.6, 0.05), "som_bevaege": (-1.75, 0.65, 0.5),
    "som_graviditet": (-2.75, 0.0, -0.6), "som_urin": (-1.65, 0.55, 0.05), "som_oejne": (-3.6, 0.5, 0.1),
    "som_undersoeg": (0.25, 0.55, 0.05), "som_uheld": (-0.85, 0.35, -0.15),
}
MEDICINE = ("med_livsstil", "med_smerte", "med_antipsykotisk", "med_angst", "med_antidepressiva",
            "med_misbrug")
CRIME = ("sigtet_straffelov", "sigtet_trafik", "sigtet_andet", "doemt_straffelov", "doemt_trafik",
         "doemt_andet")
#: DREAM states of the history shares (the remainder is "andre ydelser", e.g. dagpenge,
#: integrationsydelse).
HISTORY_STATES = ("beskaeft", "selvfors", "udd", "kh", "sdp", "andet")


def _expit(x):
    return 1.0 / (1.0 + np.exp(-x))


def _bern(rng, p) -> np.ndarray:
    return (rng.random(np.shape(p)) < p).astype(int)


def _categorical(rng, probs: np.ndarray) -> np.ndarray:
    """One category index per row of ``probs`` (rows sum to 1) by inverse CDF."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(probs))[:, None]
    return np.minimum((u > cum).sum(axis=1), probs.shape[1] - 1)


def _history(rng, means: np.ndarray, concentration: float) -> np.ndarray:
    """Dirichlet shares per row around ``means`` (rows sum to 1)."""
    alpha = np.maximum(means * concentration, 0.05)
    g = rng.gamma(alpha)
    return g / g.sum(axis=1, keepdims=True)


def draw_persons(rng, n: int) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """persons.csv without the follow-up column, and the latent factors (not written)."""
    jc = np.array(JOBCENTRES)[_categorical(rng, np.tile([JOBCENTRE_SHARE[j] for j in JOBCENTRES], (n, 1)))]
    female = _bern(rng, np.full(n, 0.47))
    # origin
    p_nw = np.array([NW_SHARE_BY_JOBCENTRE[j] for j in jc])
    probs = np.column_stack([1 - p_nw - 0.025 - 0.004 - 0.008, np.full(n, 0.025), np.full(n, 0.004), p_nw,
                             np.full(n, 0.008)])
    origin = np.array(ORIGINS)[_categorical(rng, probs)]
    nw = (origin == "ikke_vestlig_indvandrer").astype(float)
    immigrant = np.isin(origin, ("vestlig_indvandrer", "ikke_vestlig_indvandrer")).astype(float)
    age = np.clip(rng.normal(37.8 + 0.5 * nw, 10.5), 18.0, 64.0)
    a10 = (age - 38.0) / 10.0
    # family
    married = _bern(rng, _expit(-1.95 + 2.0 * nw + 0.45 * a10))
    child_idx = 0.55 * married + 0.75 * nw + 0.35 * female - 0.25 * a10 ** 2 + rng.logistic(size=n) * 0.9
    children = np.array(CHILDREN)[np.digitize(child_idx, [0.5, 1.15, 3.0])]
    has_children = children != "0"
    cohabit = _bern(rng, np.full(n, 0.45))
    single_parent = (has_children & (married == 0) & (cohabit == 0)).astype(int)
    # education
    edu_u = rng.random(n)
    p_vid = _expit(-2.9 - 0.6 * nw)
    p_fag = _expit(-1.05 - 1.1 * nw + 0.1 * a10)
    education = np.where(edu_u < p_vid, "videregaaende", np.where(edu_u < p_vid + p_fag, "faglaert", "ufaglaert"))
    skilled = (education != "ufaglaert").astype(float)
    # latent factors
    g = rng.normal(size=n)
    psy = rng.normal(size=n) - 0.65 * nw - 0.18 * a10 + 0.1 * female - 0.15 * g
    som = rng.normal(size=n) + 0.35 * a10 - 0.1 * g
    crim = rng.normal(size=n) + 0.55 * (1 - female) - 0.3 * a10 + 0.1 * psy - 0.55 * nw
    # labour-market history (DREAM): three latest years and the two before
    m3 = np.column_stack([
        0.05 + 0.015 * skilled + 0.01 * g - 0.01 * nw,      # beskæftigelse
        0.075 + 0.0 * nw,                                    # selvforsørgende
        0.045 - 0.01 * a10 - 0.015 * nw,                     # uddannelse
        0.69 - 0.05 * nw,                                    # kontanthjælp
        0.075 + 0.03 * som - 0.035 * nw,                    # sygedagpenge
        0.06 + 0.10 * nw + 0.02 * immigrant,                 # andre ydelser
    ])
    m3 = np.clip(m3, 0.005, None)
    m3 /= m3.sum(axis=1, keepdims=True)
    early = m3 * np.array([2.6, 1.6, 1.3, 0.62, 1.3, 1.2])
    early /= early.sum(axis=1, keepdims=True)
    h3 = _history(rng, m3, 6.0)
    h2 = _history(rng, early, 6.0)
    h5 = 0.6 * h3 + 0.4 * h2
    # psychiatric diagnoses within three years before the first measurement
    diag = {c: _bern(rng, _expit(a + b * psy)) for c, (a, b, _) in PSYCH_GROUPS.items()}
    severe = np.max([diag[c] for c, (_, _, s) in PSYCH_GROUPS.items() if s], axis=0)
    light = np.max([diag[c] for c, (_, _, s) in PSYCH_GROUPS.items() if not s and c != "f99"], axis=0)
    any_psych = np.maximum(np.maximum(severe, light), diag["f99"])
    # somatic diagnoses within three years before
    soma = {}
    for c, (a, b, s_age) in SOMATIC_GROUPS.items():
        extra = (1.6 * female - 0.8 + 0.5 * nw) if c == "som_graviditet" else 0.0
        if c == "som_uheld":
            extra = 0.25 * crim
        soma[c] = _bern(rng, _expit(a + b * som + s_age * a10 + extra))
    soma["som_graviditet"] = soma["som_graviditet"] * (age < 50)
    # medicine purchases in the six months before
    med = {
        "med_livsstil": _bern(rng, _expit(-1.45 + 0.45 * som + 0.5 * a10)),
        "med_smerte": _bern(rng, _expit(-1.1 + 0.5 * som + 0.55 * soma["som_bevaege"])),
        "med_antipsykotisk": _bern(rng, _expit(-2.75 + 1.1 * psy + 1.2 * diag["f20_29"])),
        "med_angst": _bern(rng, _expit(-2.85 + 0.7 * psy)),
        "med_antidepressiva": _bern(rng, _expit(-1.2 + 0.9 * psy + 0.6 * diag["f30_39"] - 0.4 * nw)),
        "med_misbrug": _bern(rng, _expit(-2.75 + 0.45 * psy + 0.8 * diag["f10_19"])),
    }
    psychopharm = np.max([med["med_antipsykotisk"], med["med_angst"], med["med_antidepressiva"]], axis=0)
    # GP (sygesikring) in the twelve months before
    gp_rate = np.exp(np.log(20.0) + 0.3 * som + 0.12 * psy + 0.1 * female + rng.normal(0, 0.35, n) - 0.06)
    gp_weeks = np.minimum(rng.poisson(gp_rate), 52)
    gp_services = rng.poisson(np.exp(np.log(8.6) + 0.2 * som + 0.05 * psy + rng.normal(0, 0.3, n) - 0.045))
    gp_fee = np.maximum(0.0, 85.0 * gp_weeks + 55.0 * gp_services + rng.normal(0, 450, n) + 100.0)
    # charges and convictions, five years before
    crime = {}
    for kind, a in (("straffelov", -2.15), ("trafik", -1.95), ("andet", -2.6)):
        ch = _bern(rng, _expit(a + 0.85 * crim))
        convicted = np.where(ch == 1, _bern(rng, np.full(n, 0.88)), _bern(rng, np.full(n, 0.015)))
        crime[f"sigtet_{kind}"] = ch
        crime[f"doemt_{kind}"] = convicted
    persons = pd.DataFrame({
        "person_id": np.arange(1, n + 1), "jobcenter": jc, "female": female, "alder": np.round(age, 2),
        "herkomst": origin, "gift": married, "boern": children, "single_med_boern": single_parent,
        "uddannelse": education,
    })
    for j, s in enumerate(HISTORY_STATES):
        persons[f"hist5_{s}"] = h5[:, j]
        persons[f"hist3_{s}"] = h3[:, j]
    persons["psyk_diag_eller_medicin"] = np.maximum(any_psych, psychopharm)
    persons["psyk_diag"] = any_psych
    persons["psyk_let"] = light
    persons["psyk_svaer"] = severe
    for c in PSYCH_GROUPS:
        persons[c] = diag[c]
    for c in SOMATIC_GROUPS:
        persons[c] = soma[c]
    for c in MEDICINE:
        persons[c] = med[c]
    persons["laege_uger"] = gp_weeks
    persons["laege_ydelser"] = gp_services
    persons["laege_honorar"] = np.round(gp_fee, 2)
    for c in CRIME:
        persons[c] = crime[c]
    latent = {"nw": nw, "psy": psy, "som": som, "crim": crim, "g": g, "a10": a10, "skilled": skilled,
              "married": married.astype(float), "sdp3": h3[:, HISTORY_STATES.index("sdp")],
              "emp5": h5[:, 0], "andet_crime": crime["sigtet_andet"].astype(float),
              "bevaege": soma["som_bevaege"].astype(float), "severe": severe.astype(float)}
    return persons, latent


def type_propensities(rng, persons: pd.DataFrame, lat: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Person-level log-odds shifts of each programme type and of "no programme".

    They enter every measurement's multinomial choice among the 16
    combinations (:func:`analysis.synthetic.bip._draw_combinations`): a
    combination's log-odds is its intercept plus the shifts of the types it
    contains (plus ``none`` for 0000). A person random effect per type makes
    programme histories persistent.
    """
    n = len(persons)
    jc = persons["jobcenter"].to_numpy()
    shift = {k: np.array([JOBCENTRE_TYPE_SHIFT[j][k] for j in jc]) for k in ("J", "O", "S", "H", "none")}
    re = {k: rng.normal(0, 0.45, n) for k in ("J", "O", "S", "H", "none")}
    nw, psy, som, a10 = lat["nw"], lat["psy"], lat["som"], lat["a10"]
    return {
        "J": shift["J"] + re["J"] + 0.25 * lat["skilled"] - 0.12 * psy - 0.35 * nw + 0.05 * a10,
        "O": shift["O"] + re["O"] + 1.5 * nw + 0.3 * lat["married"] - 0.35 * psy - 0.6 * lat["crim"]
        - 0.25 * a10 - 0.3 * lat["skilled"],
        "S": shift["S"] + re["S"] + 0.55 * psy + 0.35 * lat["severe"] - 0.3 * a10 - 0.35 * nw
        - 0.3 * lat["skilled"],
        "H": shift["H"] + re["H"] + 0.45 * psy + 0.5 * som + 4.0 * (lat["sdp3"] - 0.075) - 0.2 * nw,
        "none": shift["none"] + re["none"] + 0.3 * a10 + 0.5 * lat["andet_crime"] + 0.25 * lat["bevaege"]
        - 0.25 * lat["severe"] + 0.1 * nw + 0.1 * lat["skilled"],
    }
