"""Synthetic data for the VIVE evaluation of "Brancheorienteret tilgang" (BOT), 2020.

A seeded, documented data-generating process (DGP) for a propensity-score
matching evaluation (spec ``bot.md`` §3, §5, §7, §8). No real person is behind
any row; the municipal context series are synthetic too.

Population and sample flow (exact in every draw)
    8.000 persons in twelve municipalities of residence (the eleven BOT
    municipalities and Skanderborg, which cooperated with Odder) plus a few
    participants living elsewhere ("Anden kommune"). 476 participants are
    reported by the municipalities (Tabel 2.1 by project municipality and
    gender, exact). The flow of spec §5 replays exactly from the columns of
    ``persons.csv`` and the weekly states (:func:`sample_flow`):

    ====================================================  ===========  ==========
    step                                                  participants controls
    ====================================================  ===========  ==========
    reported by the municipalities                        476          –
    19–63 år, ikke-vestlig indvandrer, bopæl i en af de   448          7.367
    12 kommuner, ikke på varig ydelse ugen før start
    + offentlig forsørgelsesydelse ugen før start         415          2.536
    − bopæl i Skanderborg                                 412          2.229
    ====================================================  ===========  ==========

    Gender is exact at every step (analysis sample 195 + 1.029 men, 217 +
    1.200 women = 2.641; unrestricted population 4.134 men and 3.681 women).

Structure of the DGP
    1. *Candidates.* Persons are drawn per municipality and gender from one
       population model: a newcomer type (refugees and family-reunified who
       arrived 0–6 years before the start date) or a long-resident immigrant,
       which drives years in Denmark, age, origin, residence basis, education,
       family, a-kasse membership, jobparat visitation, crime and a latent
       employability ``theta``. Everybody gets a (placebo) start date, nearly
       uniform over 2017-W03 – 2018-W40 (56.5 % in 2017).
    2. *Weekly and monthly histories* 2016-W01 – 2019-W31 from latent
       stationary Gaussian AR(1) processes (weekly persistence 0.85–0.995; a
       state switches on above and off below a band around 0, so spells do not
       flicker week by week) for ordinary employment, being self-supported without a job
       (e.g. by a partner), SU education, sickness and six activation types, with
       means that depend on the person and on years since arrival
       (integration: employment and, for newcomers after 3 years, SU rise).
       Precedence gives one state per week (:data:`STATE_CODES`): not yet
       resident → SU → job of 20+ hours (self-supported) → self-supported
       without job → dagpenge (a-kasse members within two years of a job) or
       sygedagpenge → integrationsydelse (under 9 years in Denmark; 12 % are on
       kontanthjælp mv. anyway) or kontanthjælp mv., with an activation digit in
       weeks without paid hours. Løntilskud weeks are paid 37 hours. IGU (from
       July 2016) starts with a small weekly hazard for newcomers under 41 on
       integrationsydelse: 22 paid hours a week for two years (9 % registered
       but never started, 27 % interrupted after 4–25 weeks), and 70 % of the
       completed ones continue in a 32-hour job with the same employer.
       Monthly paid hours are 166,33 × the month's mean of weekly hours / 37
       (ISO weeks belong to the month of their Thursday), so a full-time month
       is exactly 166,33 hours and a løntilskud week adds as much to the
       beskæftigelsesgrad as to the løntilskud share; each job spell has an
       industry and an ownership type (:data:`SECTOR_Y0`).
    3. *Exact cells.* Candidates are classified by the flow criteria and the
       first ones of each (stage × municipality × gender) cell are kept (the
       candidates are i.i.d., so this is a random subset).
    4. *Participation.* Within each cell the participants are the ``k`` persons
       with the largest ``x'b + e`` (``e`` standard logistic): a logit with the
       coefficients of Bilagstabel 2.1 (:data:`SELECTION_COEF`) and cell
       intercepts that fix the counts. ``x`` is computed by :func:`covariates`
       from the generated files, so selection is on observables by
       construction: the propensity model of the report is the true one up to
       the municipality × gender intercepts. Persons on another benefit than
       integrationsydelse or kontanthjælp the week before cannot participate
       (the quasi-separation behind the published ±15 coefficients). The
       municipality coefficients of the estimated model follow from the cell
       counts (Tabel 2.1, Tabel 3.1, Bilagstabel 2.2) and have the published
       signs, not their size (Høje-Taastrup about 1 instead of 3,3).
    5. *Effects* (participants only, from the start week on; nothing before),
       in this order:

       a. an IGU registration in weeks 8–36 for participants on
          integrationsydelse (25 % never start, 45 % stop after 4–25 weeks:
          the start-date outcome of Tabel 4.7 overstates IGU time, as the
          report suspects; 30 % of the completed ones continue in a job);
       b. a lasting job starting in week 20–90 (men 28–37, women 22–37 hours;
          women mostly in municipal health and care, :data:`SECTOR_BOT`);
       c. extra exits from benefits without a job from week 8–60 (or, should
          IGU and jobs overshoot the self-support target, jobs with
          supplementary benefit);
       d. activation spells in benefit weeks without paid hours or activation
          (for some participants also instead of uddannelsesaktivering): an
          introductory guidance course (start week 0–2, 4–8 weeks), private
          virksomhedspraktik (start 4–12, 12–30 weeks), public
          virksomhedspraktik (start 4–20, 6–16 weeks) and private løntilskud
          (start 38–50, 13–26 weeks).

       Each mechanism is switched on for a random subset of the participants,
       chosen so that the sample ATT of the analysis sample equals
       :data:`TRUE_ATT` for men and for women (the last person of the random
       order is picked to fill the gap: |error| < 0,002; a target out of reach
       would be reported in ``meta.json`` "calibration_notes", which is empty
       for the seeds 1–100); later mechanisms do not change the outcomes of
       earlier ones. Consequences: paid hours never
       fall, so the weekly effect on ordinary employment is never negative and
       about 0 in the first weeks (no lock-in), rising over the first one to
       two years (IGU jobs first, then the lasting jobs), so the early start
       cohorts have the larger effect in January–July 2019; SU weeks are
       never touched (true effect exactly 0); uddannelsesaktivering falls
       while praktik is added (about -0,13 in weeks 4–24, a clearer dip than
       the "small negative effect" of Figur 4.2). ``meta.json`` holds the
       realised sample ATT of every outcome (``sample_att``: Jan–Jul 2019
       shares, weeks 0–52 shares, sector outcomes, cumulative months 0–12,
       cohorts I and II, the unrestricted population, and the weekly true
       effect profiles), computed from both potential outcomes.

Departures from the published report (by design or for lack of information)
    * "Partners antal år i Danmark" is 0 for singles (the published mean ≈ 26
      cannot be reproduced with a meaningful definition); "Løn i år før" is
      in kr (published means 2.320/2.870 have no stated unit).
    * Start dates are nearly uniform, so the cohort sizes of Tabel 4.2/4.3/4.6
      (2.123, 1.760, 2.296) are only approximated.
    * The pooled published estimates are not averages of the gender
      estimates; :data:`TRUE_ATT` reproduces the pooled headline numbers with
      gender values in between (see there).
    * Estimated municipality coefficients have the published signs but not
      the published sizes; the effect on uddannelsesaktivering is a clearer
      dip than the published one (step 5 above).

Analysis inputs (all take the loaded :class:`BotData`; ``mask`` defaults to the analysis sample,
rows in ``persons`` order)
    :func:`sample_flow`, :func:`flow_steps`, :func:`analysis_mask` ("main" or "unrestricted"),
    :func:`treatment`, :func:`gender`, :func:`municipality` (exact-matching code),
    :func:`start_cohort`, :func:`covariates` (``kind="ps"``: Bilagstabel 2.1; ``"balance"``:
    Bilagstabel 2.2/2.3), :func:`weekly_outcome` (persons × 53, weeks 0–52),
    :func:`window_2019` and :func:`share_0_52` (one share per person), :func:`cumulative_months`
    (persons × 13, Tabel 4.2), :func:`sector_outcomes` (Tabel 4.4), :func:`analysis_frame` (all
    effect-table outcomes in one frame), :func:`municipal_counts` (Tabel 2.1), :func:`status_note`
    (Figur 2.3/2.4) and :func:`context_series` (Figur 1.1/1.2).

Outputs of :func:`write`: ``persons.csv``, ``municipalities.csv``,
``weekly_states.csv`` (wide, one state code per ISO week), ``monthly_hours.csv``
and ``monthly_sector.csv`` (wide, Jan 2016 – Jul 2019), the synthetic context
series ``context_unemployment.csv`` and ``context_employment.csv``,
``meta.json`` and ``codebook.md``. Files are byte-identical for the same seed.

CLI: ``python -m analysis.synthetic.bot --out data/synthetic/bot [--seed N]``.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.signal import lfilter

from analysis.synthetic.contract import Rule, contract_from_columns
from analysis.synthetic.files import (FileLayout, codebook_columns, csv_text, finalize, read_files,
                                      write_files)

GENERATOR_VERSION = "1.0.0"
#: Default seed: the year of the report, fixed before looking at any draw and not selected among
#: seeds (the true effects are calibrated in every draw anyway). Checked afterwards only: with it
#: the odds-weighted (IPW) employment estimates lie within about one published standard error of
#: the published estimates, and the estimated propensity model has all published signs.
DEFAULT_SEED = 2020

# ---------------------------------------------------------------------------
# calendar
# ---------------------------------------------------------------------------
FIRST_MONDAY = date(2016, 1, 4)          # Monday of ISO week 2016-W01
N_WEEKS = 187                            # 2016-W01 .. 2019-W31
N_MONTHS = 43                            # 2016-01 .. 2019-07
WEEK_MONDAYS = [FIRST_MONDAY + timedelta(days=7 * c) for c in range(N_WEEKS)]
WEEK_LABELS = [f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}" for d in WEEK_MONDAYS]
WEEK_COLUMNS = [f"w{d.isocalendar()[0]}_{d.isocalendar()[1]:02d}" for d in WEEK_MONDAYS]
MONTH_COLUMNS = [f"m{2016 + i // 12}_{i % 12 + 1:02d}" for i in range(N_MONTHS)]
MONTH_LABELS = [f"{2016 + i // 12}-{i % 12 + 1:02d}" for i in range(N_MONTHS)]


def _month_index(d: date) -> int:
    return (d.year - 2016) * 12 + d.month - 1


#: month index (0 = Jan 2016) of each week's Thursday; -1 for 2019-W31 (Thursday 1 Aug 2019)
WEEK_MONTH = np.array([m if (m := _month_index(d + timedelta(days=3))) < N_MONTHS else -1
                       for d in WEEK_MONDAYS])
WEEKS_2019 = np.arange(156, 187)         # 2019-W01 .. 2019-W31 (DREAM to 31 July 2019)
MONTHS_2019 = np.arange(36, 43)          # Jan .. Jul 2019
START_WEEKS = (54, 143)                  # (placebo) start 2017-W03 .. 2018-W40, inclusive
FULL_FOLLOWUP_LAST_START = 134           # 2018-W31: weeks 0-52 after start all before 2019-W32
COHORT_I_LAST = date(2018, 7, 31)        # Tabel 4.3 group I: start January 2017 - July 2018
COHORT_II_LAST = date(2018, 3, 31)       # group II: start January 2017 - March 2018
STATUS_DATE = date(2019, 3, 31)          # Tabel 2.1 "pr. 31.3.2019"
FULLTIME_MONTH = 166.33                  # hours: beskæftigelsesgrad = paid hours / 166,33
FULLTIME_WEEK = 37.0
IGU_FIRST_WEEK = 26                      # IGU exists from 2016-W27 (1 July 2016)

# ---------------------------------------------------------------------------
# municipalities (spec §1, §7a; Tabel 2.1, Bilagstabel 2.2)
# ---------------------------------------------------------------------------
#: name, official municipality code, type, project, part of the evaluation
MUNICIPALITIES: list[tuple[str, int, str, str, int]] = [
    ("Aabenraa", 580, "løst inspireret", "Aabenraa", 1),
    ("Egedal", 240, "koncept-tro", "Egedal", 1),
    ("Faxe", 320, "koncept-tro", "Faxe og Ringsted", 1),
    ("Fredericia", 607, "løst inspireret", "Fredericia", 1),
    ("Haderslev", 510, "løst inspireret", "Haderslev", 1),
    ("Høje-Taastrup", 169, "koncept-tro", "Høje-Taastrup", 1),
    ("Kerteminde", 440, "koncept-tro", "Kerteminde", 1),
    ("Odder", 727, "løst inspireret", "Odder", 1),
    ("Ringsted", 329, "koncept-tro", "Faxe og Ringsted", 1),
    ("Rudersdal", 230, "løst inspireret", "Rudersdal", 1),
    ("Thisted", 787, "løst inspireret", "Thisted", 1),
    ("Skanderborg", 746, "løst inspireret", "Odder", 0),
]
KOMMUNER = [m[0] for m in MUNICIPALITIES]
KOMMUNE_CODE = {m[0]: m[1] for m in MUNICIPALITIES}
OTHER_KOMMUNE = ("Anden kommune", 0)
REFERENCE_KOMMUNE = "Thisted"
BOT_KOMMUNER = [m[0] for m in MUNICIPALITIES if m[4]]

#: Tabel 2.1: participants by project municipality (all, women, men) and mean weeks on the
#: project at 31.3.2019. Kerteminde and Aabenraa are masked in print; 5/3 and 10/3 are our
#: split of the back-computed 15 women and 6 men.
TABLE_2_1: dict[str, tuple[int, int, int, int]] = {
    "Egedal": (40, 40, 0, 63), "Faxe": (72, 32, 40, 28), "Fredericia": (33, 28, 5, 36),
    "Haderslev": (43, 21, 22, 12), "Høje-Taastrup": (78, 47, 31, 30), "Kerteminde": (8, 5, 3, 23),
    "Odder": (50, 25, 25, 24), "Ringsted": (53, 21, 32, 59), "Rudersdal": (61, 16, 45, 45),
    "Thisted": (25, 12, 13, 59), "Aabenraa": (13, 10, 3, 38),
}
#: Bilagstabel 2.2, Kontrol: municipality shares of the 2.229 controls
CONTROL_SHARES = {"Aabenraa": .09, "Egedal": .07, "Faxe": .06, "Fredericia": .13, "Haderslev": .13,
                  "Høje-Taastrup": .16, "Kerteminde": .06, "Odder": .05, "Ringsted": .06,
                  "Rudersdal": .11, "Thisted": .08}
#: municipality shares of the 4.831 controls not on a benefit the week before (our choice)
NONBENEFIT_SHARES = {"Aabenraa": .08, "Egedal": .09, "Faxe": .05, "Fredericia": .11, "Haderslev": .09,
                     "Høje-Taastrup": .17, "Kerteminde": .04, "Odder": .04, "Ringsted": .06,
                     "Rudersdal": .12, "Thisted": .04, "Skanderborg": .11}
#: share of newcomers (arrived 0-6 years before the start date) among immigrants by municipality
NEWCOMER_SHARE = {"Aabenraa": .58, "Egedal": .50, "Faxe": .60, "Fredericia": .50, "Haderslev": .58,
                  "Høje-Taastrup": .38, "Kerteminde": .60, "Odder": .58, "Ringsted": .55,
                  "Rudersdal": .45, "Thisted": .68, "Skanderborg": .58}

# exact counts of the flow, (men, women)
FLOW = {
    "reported": (219, 257),
    "treated_step1": (210, 238),     # 448
    "treated_step2": (197, 218),     # 415
    "treated_final": (195, 217),     # 412
    "controls_step1": (3924, 3443),  # 7.367
    "controls_step2": (1170, 1366),  # 2.536
    "controls_final": (1029, 1200),  # 2.229
    "controls_outside_population": (80, 77),
}
#: reasons why participants / other persons fail step 1, (men, women)
STEP1_REASONS_TREATED = {"outside": (3, 7), "age": (2, 5), "western": (2, 3), "permanent": (2, 4)}
STEP1_REASONS_OTHERS = {"permanent": (32, 28), "age": (26, 24), "western": (22, 25)}
N_PERSONS = 8000

# ---------------------------------------------------------------------------
# state codes
# ---------------------------------------------------------------------------
#: weekly state = 10 * benefit + activation digit (0 = self-supported, 90 = not yet resident)
BENEFITS = {0: "Ingen offentlig forsørgelse (selvforsørgende)", 1: "Integrationsydelse",
            2: "Kontanthjælp mv. (inkl. uddannelseshjælp, ressourceforløb)", 3: "SU (ordinær uddannelse)",
            4: "Anden midlertidig ydelse (dagpenge, sygedagpenge, barselsdagpenge, ledighedsydelse)",
            5: "Varig ydelse (førtidspension, folkepension, efterløn, fleksydelse)",
            9: "Ikke bosat i Danmark endnu (før opholdstilladelse)"}
ACTIVATIONS = {0: "ingen aktivering", 1: "vejledning og opkvalificering",
               2: "ordinær uddannelse (uddannelsesaktivering, fx danskuddannelse)",
               3: "virksomhedspraktik, privat", 4: "virksomhedspraktik, offentlig",
               5: "løntilskud, privat", 6: "løntilskud, offentlig"}
STATE_CODES: dict[int, str] = {0: BENEFITS[0]}
for _b in (1, 2):
    for _a, _lab in ACTIVATIONS.items():
        STATE_CODES[10 * _b + _a] = f"{BENEFITS[_b]}, {_lab}"
STATE_CODES.update({30: BENEFITS[3], 40: BENEFITS[4], 50: BENEFITS[5], 90: BENEFITS[9]})

#: monthly sector = 10 * industry + ownership of the main job (most hours); 0 = no paid hours
INDUSTRIES = {1: "Industri", 2: "Handel", 3: "Transport", 4: "Hotel og restauration",
              5: "Sundhed og socialvæsen", 6: "Andre brancher"}
OWNERSHIPS = {1: "Enkeltmandsvirksomhed", 2: "Aktieselskab", 3: "Anpartsselskab", 4: "Primær kommune",
              5: "Anden ejerform (region, stat, I/S, forening mv.)"}
SECTOR_OUTCOMES = {  # Tabel 4.4 rows: key -> (label, industry or None, ownership or None)
    "industri": ("Industri", 1, None), "handel": ("Handel", 2, None), "transport": ("Transport", 3, None),
    "hotel_restauration": ("Hotel og restauration", 4, None), "sundhed": ("Sundhed", 5, None),
    "enkeltmand": ("Enkeltmandsvirksomhed", None, 1), "aktieselskab": ("Aktieselskab", None, 2),
    "anpartsselskab": ("Anpartsselskab", None, 3), "primaer_kommune": ("Primær kommune", None, 4),
}

# ---------------------------------------------------------------------------
# outcomes and true effects
# ---------------------------------------------------------------------------
#: weekly outcomes: key -> (Danish label, definition)
WEEKLY_OUTCOMES: dict[str, tuple[str, str]] = {
    "ordinary_employment": ("Ordinær beskæftigelse", "the month's beskæftigelsesgrad minus its løntilskud share "
                            "(monthly; a week gets the value of its month)"),
    "self_support": ("Selvforsørgelse", "state 0: no public transfer"),
    "su": ("Modtagelse af SU", "state 30"),
    "integration_benefit": ("Integrationsydelse", "states 10-16"),
    "social_assistance": ("Kontanthjælp mv.", "states 20-26"),
    "guidance": ("Vejledning og opkvalificering", "activation digit 1"),
    "education_activation": ("Ordinær uddannelse", "activation digit 2"),
    "placement_private": ("Virksomhedspraktik, privat", "activation digit 3"),
    "placement_public": ("Virksomhedspraktik, offentlig", "activation digit 4"),
    "wage_subsidy_private": ("Løntilskud, privat", "activation digit 5"),
    "wage_subsidy_public": ("Løntilskud, offentlig", "activation digit 6"),
    "igu": ("IGU", "week on or after igu_start_date (no end date: as in the report)"),
}
_DIGIT = {"guidance": 1, "education_activation": 2, "placement_private": 3, "placement_public": 4,
          "wage_subsidy_private": 5, "wage_subsidy_public": 6}

#: True ATT of the DGP by gender (data units: shares of the window, 0-1). Jan-Jul 2019 outcomes are
#: shares of 2019-W01..W31 (months Jan-Jul for employment), "_0_52" outcomes shares of weeks 0-52
#: after the start (persons with full follow-up: start no later than 2018-W31). They hold for the
#: participants of the analysis sample of every draw (typically within 0,001; if a target cannot be
#: met exactly, meta.json "calibration_notes" says so). Published estimates (spec §8) are not
#: additive over gender (the pooled estimate of the preferred method, 0,0529, lies below both gender
#: estimates), so the values reproduce the pooled headline numbers with gender values in between,
#: "alle" = (195 * men + 217 * women) / 412: employment 0,0528 (published 0,0418 / 0,0529; women as
#: published 0,059, men 0,046 between 0,0453 and 0,0768); self-support 0,0713 (0,0515 / 0,0646; men
#: need at least the self-support of their IGU and job effects); private praktik 0,0961 (0,1001 /
#: 0,0935); public praktik 0,0204 (0,0121 / 0,0247); IGU 0,0784 (0,0791 / 0,0761); løntilskud small
#: and late (published not significant); SU exactly 0 (published not significant).
TRUE_ATT_BY_GENDER: dict[str, dict[str, float]] = {
    "ordinary_employment_2019": {"maend": 0.046, "kvinder": 0.059},
    "self_support_2019": {"maend": 0.066, "kvinder": 0.076},
    "su_2019": {"maend": 0.0, "kvinder": 0.0},
    "placement_private_0_52": {"maend": 0.075, "kvinder": 0.115},
    "placement_public_0_52": {"maend": 0.023, "kvinder": 0.018},
    "wage_subsidy_private_0_52": {"maend": 0.010, "kvinder": 0.008},
    "wage_subsidy_public_0_52": {"maend": 0.0, "kvinder": 0.0},
    "guidance_0_52": {"maend": 0.030, "kvinder": 0.035},
    "igu_0_52": {"maend": 0.060, "kvinder": 0.095},
}
_N_T = FLOW["treated_final"]
TRUE_ATT: dict[str, dict[str, float]] = {
    k: {"alle": round((_N_T[0] * v["maend"] + _N_T[1] * v["kvinder"]) / sum(_N_T), 6), **v}
    for k, v in TRUE_ATT_BY_GENDER.items()}

# ---------------------------------------------------------------------------
# covariates (Bilagstabel 2.1 / 2.2)
# ---------------------------------------------------------------------------
WEEK_LAGS_BALANCE = (1, 5, 10, 15, 19, 24, 29, 34, 41, 46, 52)
WEEK_LAGS_PS = (1, 26, 52)
_KOM_KEY = {k: "kom_" + k.lower().replace("ø", "oe").replace("å", "aa").replace("æ", "ae").replace("-", "_")
            for k in KOMMUNER}

#: Bilagstabel 2.1 as published: key -> (label, logit coefficient, SE)
PUBLISHED_PS: dict[str, tuple[str, float, float | None]] = {
    "bot_2017": ("BOT i 2017", -0.165, 0.146),
    "start_month": ("BOT start måned", 0.021, 0.023),
    _KOM_KEY["Aabenraa"]: ("Bopæl i Aabenraa Kommune", -0.701, 0.423),
    _KOM_KEY["Egedal"]: ("Bopæl i Egedal Kommune", 0.240, 0.325),
    _KOM_KEY["Faxe"]: ("Bopæl i Faxe Kommune", 1.470, 0.299),
    _KOM_KEY["Fredericia"]: ("Bopæl i Fredericia Kommune", 0.269, 0.333),
    _KOM_KEY["Haderslev"]: ("Bopæl i Haderslev Kommune", 0.030, 0.327),
    _KOM_KEY["Høje-Taastrup"]: ("Bopæl i Høje-Taastrup Kommune", 3.276, 0.440),
    _KOM_KEY["Kerteminde"]: ("Bopæl i Kerteminde Kommune", -1.140, 0.472),
    _KOM_KEY["Odder"]: ("Bopæl i Odder Kommune", 0.774, 0.337),
    _KOM_KEY["Ringsted"]: ("Bopæl i Ringsted Kommune", 1.620, 0.336),
    _KOM_KEY["Rudersdal"]: ("Bopæl i Rudersdal Kommune", 0.646, 0.309),
    _KOM_KEY["Thisted"]: ("Bopæl i Thisted Kommune", 0.0, None),
    "male": ("Mand", -0.183, 0.155),
    "age": ("Alder", -0.005, 0.008),
    "single": ("Enlig", -0.108, 0.458),
    "children_0_5": ("Antal børn mellem 0-5 år", 0.043, 0.093),
    "children_6_11": ("Antal børn mellem 6-11 år", 0.091, 0.071),
    "children_12_18": ("Antal børn mellem 12-18 år", -0.023, 0.089),
    "origin_turkey": ("Oprindelsesland Tyrkiet", 0.409, 0.457),
    "origin_africa": ("Oprindelsesland fra Afrika", -0.121, 0.390),
    "origin_east_asia": ("Oprindelsesland østasiatisk", 0.263, 0.421),
    "origin_west_asia": ("Oprindelsesland vestasiatisk", -0.127, 0.357),
    "years_in_dk": ("Antal år i Danmark", -0.062, 0.018),
    "partner_years_in_dk": ("Partners antal år i Danmark", 0.007, 0.009),
    "residence_asylum": ("Opholdsgrundlag: Asyl", -0.105, 0.312),
    "residence_family_refugee": ("Opholdsgrundlag: Familiesammenført til flygtning", -0.138, 0.334),
    "edu_school": ("Skoleuddannelse", -0.161, 0.262),
    "edu_vocational": ("EDU eller gymnasium", -0.378, 0.295),
    "edu_short_medium": ("KVU eller MVU", -0.358, 0.321),
    "akasse": ("Medlem af A-kasse", 0.013, 0.318),
    "emp_m1": ("Beskæftigelsesgrad 1 måned før", -2.201, 0.588),
    "emp_m6": ("Beskæftigelsesgrad 6 måneder før", -0.491, 0.450),
    "emp_m12": ("Beskæftigelsesgrad 12 måneder før", 0.015, 0.482),
    "partner_emp": ("Partners beskæftigelsesgrad 1 år før", -0.895, 0.454),
    "wage_prev_1000": ("Løn i år før (1.000)", 0.000, 0.000),
    "nulstillende": ("Antal nulstillende samtaler", -0.059, 0.080),
    "education_w1": ("Ordinær uddannelse 1 uge før", 1.114, 0.175),
    "placement_w1": ("Virksomhedspraktik 1 uge før", 0.360, 0.200),
    "social_assistance_w1": ("Kontanthjælp mv. 1 uge før", 15.008, 372.378),
    "integration_benefit_w1": ("Integrationsydelse 1 uge før", 15.627, 372.378),
    "education_w26": ("Ordinær uddannelse 26 uger før", -0.166, 0.188),
    "placement_w26": ("Virksomhedspraktik 26 uger før", -0.124, 0.210),
    "social_assistance_w26": ("Kontanthjælp mv. 26 uger før", -0.124, 0.452),
    "integration_benefit_w26": ("Integrationsydelse 26 uger før", 0.265, 0.318),
    "education_w52": ("Ordinær uddannelse 52 uger før", -0.069, 0.173),
    "placement_w52": ("Virksomhedspraktik 52 uger før", 0.025, 0.216),
    "social_assistance_w52": ("Kontanthjælp mv. 52 uger før", -0.268, 0.291),
    "integration_benefit_w52": ("Integrationsydelse 52 uger før", 0.720, 0.266),
    "jobparat_prev_q1": ("Person er jobparat det 1. kvartal i året før", 0.860, 0.156),
    "partner_not_active": ("Partner ikke aktiv", 0.561, 0.385),
    "hospitalised": ("Indlæggelse i sygehus", -0.155, 0.200),
    "crime": ("Kriminalitet i år før", -0.686, 0.294),
}
PUBLISHED_PS_CONSTANT = -18.500
#: covariate keys of the propensity model (Bilagstabel 2.1 order, reference municipality Thisted
#: left out): the columns of covariates(kind="ps")
PS_COVARIATES: list[str] = [k for k in PUBLISHED_PS if k != _KOM_KEY[REFERENCE_KOMMUNE]]
#: True selection equation of the DGP (logit index; the municipality and gender terms are replaced
#: by cell intercepts, the constant is irrelevant). Published values except: the two benefit dummies
#: (persons on neither benefit cannot participate; integrationsydelse - kontanthjælp = 0,619 as
#: published) and a stronger pull of ordinary education (1,35), which the published
#: coefficient understates relative to the raw difference in Bilagstabel 2.2.
SELECTION_COEF: dict[str, float] = {
    k: v[1] for k, v in PUBLISHED_PS.items() if not (k.startswith("kom_") or k == "male")}
SELECTION_COEF.update({"social_assistance_w1": 0.0, "integration_benefit_w1": 0.619,
                       "education_w1": 1.35})

#: Bilagstabel 2.2 rows (balance covariates): key -> label. Columns of covariates(kind="balance").
_ACT_LABEL = {"education": "Ordinær uddannelse", "placement": "Virksomhedspraktik", "wage_subsidy": "Løntilskud",
              "social_assistance": "Kontanthjælp mv.", "integration_benefit": "Integrationsydelse"}


def _lag_label(what: str, k: int) -> str:
    if k == 52:
        return f"{_ACT_LABEL[what]} 1 år før"
    return f"{_ACT_LABEL[what]} {k} {'uge' if k in (1, 41) else 'uger'} før"


BALANCE_COVARIATES: dict[str, str] = {"bot_2017": "BOT i 2017", "start_month": "BOT start måned"}
BALANCE_COVARIATES.update({_KOM_KEY[k]: f"Bopæl i {k} Kommune" for k in BOT_KOMMUNER})
BALANCE_COVARIATES.update({
    "male": "Mand", "age": "Alder", "single": "Enlig", "children_0_5": "Antal børn mellem 0-5 år",
    "children_6_11": "Antal børn mellem 6-11 år", "children_12_18": "Antal børn mellem 12-18 år",
    "origin_turkey": "Oprindelighed fra Tyrkiet", "origin_africa": "Oprindelighed fra Afrika",
    "origin_east_asia": "Oprindelighed fra Øst Asia", "origin_west_asia": "Oprindelighed fra Vest Asia",
    "years_in_dk": "Antal år i Danmark", "partner_years_in_dk": "Partners antal år i Danmark",
    "residence_asylum": "Asyl opholdsgrundlag", "residence_family_refugee": "Familiesammenførte til flygtning",
    "edu_school": "Skoleuddannelse", "edu_vocational": "EDU eller gymnasium", "edu_short_medium": "KVU eller MVU",
    "akasse": "Medlem af A-kasse"})
BALANCE_COVARIATES.update({f"emp_m{k}": f"Beskæftigelsesgrad {k} {'måned' if k == 1 else 'måneder'} før"
                           for k in range(1, 13)})
BALANCE_COVARIATES.update({"partner_emp": "Partners beskæftigelsesgrad 1 år før", "wage_prev": "Løn i år før",
                           "nulstillende": "Antal nulstillende samtale"})
for _what in ("education", "placement", "wage_subsidy", "social_assistance", "integration_benefit"):
    BALANCE_COVARIATES.update({f"{_what}_w{k}": _lag_label(_what, k) for k in WEEK_LAGS_BALANCE})
BALANCE_COVARIATES.update({"jobparat_year": "Person er jobparat indsats år",
                           "jobparat_prev_year": "Person er jobparat i år før",
                           "partner_not_active": "Partner ikke aktiv", "hospitalised": "Indlæggelse i sygehus",
                           "crime": "Kriminalitet i år før"})
#: all covariate labels (PS and balance keys; kom_skanderborg only in the unrestricted population)
COVARIATE_LABELS: dict[str, str] = ({k: v[0] for k, v in PUBLISHED_PS.items()} | BALANCE_COVARIATES
                                    | {"kom_skanderborg": "Bopæl i Skanderborg Kommune"})

# ---------------------------------------------------------------------------
# origin, residence basis, education (spec §7b)
# ---------------------------------------------------------------------------
ORIGIN_REGION = {
    "Syrien": "Vest Asien", "Irak": "Vest Asien", "Iran": "Vest Asien", "Libanon": "Vest Asien",
    "Afghanistan": "Vest Asien", "Eritrea": "Afrika", "Somalia": "Afrika", "Etiopien": "Afrika",
    "Marokko": "Afrika", "Thailand": "Øst Asien", "Filippinerne": "Øst Asien", "Vietnam": "Øst Asien",
    "Kina": "Øst Asien", "Tyrkiet": "Øvrige lande", "Bosnien-Hercegovina": "Øvrige lande",
    "Kosovo": "Øvrige lande", "Statsløs": "Øvrige lande",
    "Polen": "Vestlige lande", "Rumænien": "Vestlige lande", "Tyskland": "Vestlige lande",
}
_ORIGIN_P = {  # (newcomer, male) -> {country: p}
    (1, 1): {"Syrien": .62, "Eritrea": .20, "Afghanistan": .05, "Irak": .04, "Iran": .03, "Somalia": .02,
             "Etiopien": .01, "Statsløs": .03},
    (1, 0): {"Syrien": .60, "Eritrea": .10, "Afghanistan": .06, "Irak": .05, "Iran": .04, "Somalia": .05,
             "Etiopien": .02, "Statsløs": .03, "Thailand": .02, "Filippinerne": .02, "Tyrkiet": .01},
    (0, 1): {"Tyrkiet": .27, "Irak": .16, "Libanon": .07, "Somalia": .08, "Marokko": .04, "Bosnien-Hercegovina": .07,
             "Kosovo": .03, "Iran": .06, "Afghanistan": .05, "Syrien": .04, "Vietnam": .06, "Kina": .04,
             "Thailand": .01, "Statsløs": .02},
    (0, 0): {"Tyrkiet": .23, "Irak": .12, "Libanon": .06, "Somalia": .07, "Marokko": .03, "Bosnien-Hercegovina": .06,
             "Kosovo": .02, "Iran": .05, "Afghanistan": .03, "Syrien": .03, "Vietnam": .06, "Kina": .04,
             "Thailand": .12, "Filippinerne": .07, "Statsløs": .01},
}
WESTERN_COUNTRIES = ("Polen", "Rumænien", "Tyskland")
RESIDENCE_BASES = ("Asyl", "Familiesammenført til flygtning", "Andet")
EDUCATIONS = ("Skoleuddannelse", "EUD eller gymnasium", "KVU eller MVU", "Andet")
PROJECT_INDUSTRIES = ("Rengøring", "Hotel og restauration", "Sundhed og omsorg", "Transport og lager",
                      "Detailhandel", "Industri og produktion", "Byggeri", "Landbrug og gartneri")

# ---------------------------------------------------------------------------
# column documentation: the single source of SCHEMA and the codebook
# (column, kind, decimals, nullable, unit, meaning)
# ---------------------------------------------------------------------------
COLUMNS: dict[str, list[tuple]] = {
    "persons": [
        ("person_id", "int", None, False, "id", "Person, 1..8000 (random order)"),
        ("bot", "bool01", None, False, "0/1", "1 = reported by a municipality as BOT participant (476)"),
        ("projekt_kommune", "str", None, True, "category", "Participants: the municipality whose project "
         "reported them (Tabel 2.1); empty for others"),
        ("start_date", "date", None, False, "YYYY-MM-DD", "Participants: start in BOT; others: placebo start "
         "(2017-W03 – 2018-W40, nearly uniform). All covariates are measured relative to it"),
        ("start_week", "str", None, False, "YYYY-Www", "ISO week of start_date"),
        ("bot_end_date", "date", None, True, "YYYY-MM-DD", "Participants whose participation ended by "
         "31.3.2019; empty if still participating then (and for non-participants)"),
        ("branche_forloeb", "str", None, True, "category", "Target industry of the course, reported for some "
         "participants only"),
        ("kommune", "str", None, False, "category", "Municipality of residence at the start (12 municipalities, "
         "or 'Anden kommune')"),
        ("kommune_kode", "int", None, False, "code", "Official municipality code of `kommune` (0 = Anden kommune); "
         "the exact-matching variable"),
        ("male", "bool01", None, False, "0/1", "1 = man"),
        ("age", "int", None, False, "years", "Age at the start"),
        ("non_western_immigrant", "bool01", None, False, "0/1", "1 = immigrant from a non-Western country"),
        ("origin_country", "str", None, False, "category", "Country of origin"),
        ("origin_region", "str", None, False, "category", "Afrika, Øst Asien, Vest Asien, Øvrige lande (incl. "
         "Tyrkiet) or Vestlige lande"),
        ("years_in_dk", "float", 2, False, "years", "Years of residence in Denmark at the start"),
        ("residence_basis", "str", None, False, "category", "Opholdsgrundlag: Asyl, Familiesammenført til "
         "flygtning or Andet"),
        ("education", "str", None, False, "category", "Highest education: Skoleuddannelse, EUD eller gymnasium, "
         "KVU eller MVU, Andet"),
        ("single", "bool01", None, False, "0/1", "1 = enlig (no partner)"),
        ("children_0_5", "int", None, False, "count", "Children aged 0-5 at the start"),
        ("children_6_11", "int", None, False, "count", "Children aged 6-11"),
        ("children_12_18", "int", None, False, "count", "Children aged 12-18"),
        ("partner_years_in_dk", "float", 2, False, "years", "Partner's years of residence in Denmark (age if "
         "born in Denmark); 0 for singles"),
        ("partner_emp_rate", "float", 3, False, "share 0-1", "Partner's beskæftigelsesgrad the year before the "
         "start; 0 for singles"),
        ("partner_not_active", "bool01", None, False, "0/1", "Partner outside the labour force"),
        ("akasse", "bool01", None, False, "0/1", "Member of an unemployment insurance fund"),
        ("wage_prev_year", "float", 0, False, "kr", "Wage income in the 12 months before the start month"),
        ("nulstillende_samtaler", "int", None, False, "count", "Number of 'nulstillende samtaler' the year "
         "before"),
        ("jobparat_year", "bool01", None, False, "0/1", "Visited jobparat in the intervention year (else "
         "aktivitets- eller uddannelsesparat)"),
        ("jobparat_prev_year", "bool01", None, False, "0/1", "Jobparat in the first quarter of the year "
         "before"),
        ("hospitalised", "bool01", None, False, "0/1", "Admitted to hospital the year before"),
        ("crime", "bool01", None, False, "0/1", "Convicted (penal code or special laws, incl. fines) the year "
         "before"),
        ("permanent_benefit_week_before", "bool01", None, False, "0/1", "On a permanent benefit (state 50) the "
         "week before the start (flow step 1)"),
        ("benefit_week_before", "bool01", None, False, "0/1", "On a public transfer (states 10-46) the week "
         "before the start (flow step 2)"),
        ("igu_start_date", "date", None, True, "YYYY-MM-DD", "Start of an integrationsgrunduddannelse (IGU), "
         "if any in Jul 2016 – Jul 2019 (UIBM: start dates only)"),
    ],
    "municipalities": [
        ("kommune", "str", None, False, "category", "Municipality"),
        ("kommune_kode", "int", None, False, "code", "Official municipality code"),
        ("kommune_type", "str", None, False, "category", "'koncept-tro' or 'løst inspireret' (descriptive)"),
        ("projekt", "str", None, False, "category", "Project (Faxe and Ringsted share one; Skanderborg "
         "cooperated with Odder)"),
        ("in_evaluation", "bool01", None, False, "0/1", "0 for Skanderborg (excluded by the flow)"),
    ],
    "weekly_states": [("person_id", "int", None, False, "id", "Person")] + [
        (c, "int", None, False, "state code", "") for c in WEEK_COLUMNS],
    "monthly_hours": [("person_id", "int", None, False, "id", "Person")] + [
        (c, "float", 1, False, "hours", "") for c in MONTH_COLUMNS],
    "monthly_sector": [("person_id", "int", None, False, "id", "Person")] + [
        (c, "int", None, False, "sector code", "") for c in MONTH_COLUMNS],
    "context_unemployment": [
        ("year", "int", None, False, "year", "Calendar year"),
        ("area", "str", None, False, "category", "Region or 'Hele landet'"),
        ("unemployment_pct", "float", 1, False, "% of labour force", "Full-time unemployed (synthetic "
         "illustrative series, not Statistikbanken)"),
    ],
    "context_employment": [
        ("year", "int", None, False, "year", "Calendar year (status end of November)"),
        ("sex", "str", None, False, "category", "Mænd or Kvinder"),
        ("origin", "str", None, False, "category", "Personer med dansk oprindelse or Indvandrere fra "
         "ikke-vestlige lande"),
        ("employment_pct", "float", 1, False, "%", "Employment rate, 16-64 years (synthetic illustrative "
         "series, not Statistikbanken)"),
    ],
}
SCHEMA: dict[str, dict[str, str]] = {stem: {c[0]: c[1] for c in cols} for stem, cols in COLUMNS.items()}
NULLABLE: dict[str, set[str]] = {stem: {c[0] for c in cols if c[3]} for stem, cols in COLUMNS.items()}
DECIMALS: dict[str, dict[str, int]] = {stem: {c[0]: c[2] for c in cols if c[2] is not None}
                                      for stem, cols in COLUMNS.items()}
SORT_KEYS = {"persons": ["person_id"], "municipalities": ["kommune_kode"], "weekly_states": ["person_id"],
             "monthly_hours": ["person_id"], "monthly_sector": ["person_id"],
             "context_unemployment": ["area", "year"], "context_employment": ["sex", "origin", "year"]}
LAYOUTS: dict[str, FileLayout] = {stem: FileLayout(SCHEMA[stem], frozenset(NULLABLE[stem]),
                                                  DECIMALS[stem], tuple(SORT_KEYS[stem]))
                                   for stem in SCHEMA}
#: What files in place of these (register data too) must hold; checked on reading
#: (evalreport.author.data.read_dataset) and written into codebook.md.
CONTRACT = contract_from_columns(
    "bot", COLUMNS,
    keys={"persons": ["person_id"], "municipalities": ["kommune_kode"], "weekly_states": ["person_id"],
          "monthly_hours": ["person_id"], "monthly_sector": ["person_id"],
          "context_unemployment": ["area", "year"], "context_employment": ["sex", "origin", "year"]},
    rules={"persons.start_week": Rule(pattern=r"\d{4}-W\d{2}"), "persons.age": Rule(min=15, max=100),
           "persons.kommune_kode": Rule(min=0, max=999), "persons.years_in_dk": Rule(min=0),
           "persons.children_*": Rule(min=0), "persons.partner_years_in_dk": Rule(min=0),
           "persons.partner_emp_rate": Rule(min=0, max=1), "persons.wage_prev_year": Rule(min=0),
           "persons.nulstillende_samtaler": Rule(min=0),
           "persons.residence_basis": Rule(values=("Asyl", "Familiesammenført til flygtning", "Andet")),
           "municipalities.kommune_type": Rule(values=("koncept-tro", "løst inspireret")),
           "weekly_states.w*": Rule(values=tuple(STATE_CODES)),
           "monthly_hours.m*": Rule(min=0, max=744),
           "monthly_sector.m*": Rule(values=(0,) + tuple(10 * i + o for i in INDUSTRIES for o in OWNERSHIPS)),
           "context_unemployment.unemployment_pct": Rule(min=0, max=100),
           "context_employment.employment_pct": Rule(min=0, max=100)},
    references={"weekly_states.person_id": "persons.person_id",
                "monthly_hours.person_id": "persons.person_id",
                "monthly_sector.person_id": "persons.person_id"},
)


@dataclass
class BotData:
    persons: pd.DataFrame
    municipalities: pd.DataFrame
    weekly_states: pd.DataFrame
    monthly_hours: pd.DataFrame
    monthly_sector: pd.DataFrame
    context_unemployment: pd.DataFrame
    context_employment: pd.DataFrame
    meta: dict = field(default_factory=dict)
    #: The participants' untreated histories (person_id, weekly codes, hours, sectors, IGU start
    #: week), kept by :func:`generate` for :func:`counterfactual`; not written to the files, so
    #: None for data read by :func:`load`.
    untreated: dict | None = field(default=None, repr=False)

    def frames(self) -> dict[str, pd.DataFrame]:
        return {stem: getattr(self, stem) for stem in COLUMNS}

    # arrays aligned with ``persons`` (all files are sorted by person_id)
    def states(self) -> np.ndarray:
        """Weekly state codes, persons × 187 weeks (int16)."""
        return self.weekly_states[WEEK_COLUMNS].to_numpy(dtype=np.int16)

    def hours(self) -> np.ndarray:
        """Monthly paid hours, persons × 43 months."""
        return self.monthly_hours[MONTH_COLUMNS].to_numpy(dtype=float)

    def sectors(self) -> np.ndarray:
        """Monthly sector codes, persons × 43 months."""
        return self.monthly_sector[MONTH_COLUMNS].to_numpy(dtype=np.int16)


# ---------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------
def _expit(x):
    return 1.0 / (1.0 + np.exp(-x))


def _ar1(rng, n: int, rho: float) -> np.ndarray:
    """Stationary Gaussian AR(1) paths with unit variance, n × N_WEEKS."""
    w = rng.standard_normal((n, N_WEEKS), dtype=np.float32)
    w[:, 1:] *= np.float32(np.sqrt(1.0 - rho * rho))
    return lfilter(np.array([1.0], np.float32), np.array([1.0, -rho], np.float32), w, axis=1)


def _hysteresis(x: np.ndarray, band: float) -> np.ndarray:
    """On/off paths of a latent process: switch on above +band, off below -band (no one-week flicker)."""
    out = np.empty(x.shape, bool)
    state = x[:, 0] > 0
    for t in range(x.shape[1]):
        state = np.where(x[:, t] > band, True, np.where(x[:, t] < -band, False, state))
        out[:, t] = state
    return out


def _allocate(total: int, shares: dict) -> dict:
    """Integer counts summing to ``total``, proportional to ``shares`` (largest remainder)."""
    keys = list(shares)
    p = np.array([shares[k] for k in keys], float)
    raw = total * p / p.sum()
    base = np.floor(raw).astype(int)
    order = np.argsort(-(raw - base), kind="stable")
    base[order[: total - base.sum()]] += 1
    return dict(zip(keys, base.tolist()))


def _choice(rng, table: dict, n: int) -> np.ndarray:
    keys = list(table)
    p = np.array([table[k] for k in keys], float)
    return np.array(keys, dtype=object)[rng.choice(len(keys), size=n, p=p / p.sum())]


def _spells(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Value per week for runs of ``mask``: each run takes the value drawn at its first week.
    ``values`` holds one value per run start in row-major order."""
    prev = np.zeros_like(mask)
    prev[:, 1:] = mask[:, :-1]
    start = mask & ~prev
    out = np.zeros(mask.shape, np.int16)
    out[start] = values[: int(start.sum())]
    idx = np.maximum.accumulate(np.where(start, np.arange(mask.shape[1]), 0), axis=1)
    out = np.take_along_axis(out, idx, axis=1)
    out[~mask] = 0
    return out


def _n_starts(mask: np.ndarray) -> int:
    prev = np.zeros_like(mask)
    prev[:, 1:] = mask[:, :-1]
    return int((mask & ~prev).sum())


# week -> month weights (mean over the weeks whose Thursday falls in the month)
_W = np.zeros((N_WEEKS, N_MONTHS))
for _c, _m in enumerate(WEEK_MONTH):
    if _m >= 0:
        _W[_c, _m] = 1.0
_W /= _W.sum(axis=0, keepdims=True)
_MONTH_WEEKS = [np.flatnonzero(WEEK_MONTH == m) for m in range(N_MONTHS)]


def monthly_hours_from_weeks(weekly_hours: np.ndarray) -> np.ndarray:
    """Paid hours per month = 166,33 × mean over the month's weeks of (weekly hours / 37), 1 decimal."""
    return np.round(FULLTIME_MONTH * (weekly_hours / FULLTIME_WEEK) @ _W, 1) + 0.0


def _monthly_sector(weekly_hours: np.ndarray, weekly_sector: np.ndarray) -> np.ndarray:
    out = np.zeros((weekly_hours.shape[0], N_MONTHS), np.int16)
    rows = np.arange(weekly_hours.shape[0])
    for m, wk in enumerate(_MONTH_WEEKS):
        h = weekly_hours[:, wk]
        j = np.argmax(h, axis=1)
        out[:, m] = np.where(h.max(axis=1) > 0, weekly_sector[:, wk][rows, j], 0)
    return out


def _draw_sector(rng, table: dict, n: int) -> np.ndarray:
    """Sector codes 10*industry + ownership from {(industry, ownership): p}."""
    keys = list(table)
    p = np.array([table[k] for k in keys], float)
    codes = np.array([10 * i + o for i, o in keys], np.int16)
    return codes[rng.choice(len(keys), size=n, p=p / p.sum())]


def _sector_table(industry: dict, ownership: dict, health_ownership: dict) -> dict:
    tab = {}
    for i, pi in industry.items():
        own = health_ownership if i == 5 else ownership
        for o, po in own.items():
            tab[(i, o)] = pi * po
    return tab


#: sector of ordinary jobs without treatment, by gender (1 = men)
SECTOR_Y0 = {
    1: _sector_table({1: .12, 2: .21, 3: .08, 4: .23, 5: .02, 6: .34},
                     {1: .27, 2: .43, 3: .22, 4: .01, 5: .07}, {4: .55, 5: .30, 3: .15}),
    0: _sector_table({1: .13, 2: .14, 3: .02, 4: .16, 5: .06, 6: .49},
                     {1: .09, 2: .26, 3: .45, 4: .08, 5: .12}, {4: .60, 5: .25, 3: .15}),
}
#: sector of jobs caused by BOT (women: municipal health and care, cleaning companies)
SECTOR_BOT = {
    1: {(1, 2): .25, (4, 3): .25, (3, 2): .15, (6, 2): .20, (4, 1): .05, (2, 2): .10},
    0: {(5, 4): .75, (6, 2): .15, (4, 3): .05, (2, 2): .05},
}
SECTOR_IGU = {1: {(4, 3): .35, (6, 2): .25, (1, 2): .20, (3, 2): .10, (2, 2): .10},
              0: {(5, 4): .65, (6, 2): .20, (4, 3): .10, (2, 2): .05}}
IGU_HOURS = 22.0                         # mean paid hours per IGU week (school weeks are unpaid)


def _igu_duration(rng, n: int, p_never: float, p_interrupt: float) -> np.ndarray:
    """IGU length in weeks: 0 (registered, never started), 4-25 (interrupted) or 104 (completed)."""
    u = rng.random(n)
    return np.where(u < p_never, 0, np.where(u < p_never + p_interrupt, rng.integers(4, 26, n), 104))


IGU_CONTINUE = 0.7                       # share of completed IGUs followed by a lasting job (32 hours)
IGU_CONTINUE_BOT = 0.3                   # the same for IGUs caused by BOT


def _igu_spell(codes, hours, sector, start, dur, cont, sec) -> None:
    """Write IGU spells (rows with start >= 0) in place: IGU weeks and, after a completed IGU with
    ``cont``, a lasting 32-hour job with the same employer (weeks with more paid hours, a job or
    løntilskud, are left as they are).
    SU, permanent-benefit and not-resident weeks are left as they are."""
    weeks = np.arange(N_WEEKS)[None, :]
    st = start[:, None]
    free = (codes != 30) & (codes != 50) & (codes != 90)
    igu = (st >= 0) & (weeks >= st) & (weeks < st + dur[:, None]) & free
    after = (st >= 0) & (dur[:, None] == 104) & cont[:, None] & (weeks >= st + 104) & free
    new_hours = np.where(igu, IGU_HOURS, np.where(after, 32.0, 0.0))
    take = new_hours > hours            # weeks with more paid hours (job, løntilskud) are kept as they are
    codes[take] = 0
    sector[:] = np.where(take, sec[:, None], sector)
    hours[:] = np.where(take, new_hours, hours)
SECTOR_WAGE_SUBSIDY = {5: {(6, 3): .30, (2, 1): .20, (4, 3): .20, (1, 2): .15, (3, 3): .15},
                       6: {(5, 4): .50, (6, 4): .50}}


# ---------------------------------------------------------------------------
# the DGP: candidates (person level)
# ---------------------------------------------------------------------------
_START_P = np.r_[np.full(50, 0.565 / 50), np.full(40, 0.435 / 40)]   # weeks 54..143


def _date_str(d: date) -> str:
    return d.isoformat()


def _draw_candidates(rng, kom: np.ndarray, male: np.ndarray) -> dict:
    """Person-level attributes of candidates (see the module docstring, step 1)."""
    n = len(kom)
    m = male.astype(bool)
    new = rng.random(n) < np.array([NEWCOMER_SHARE[k] for k in kom])
    years = np.where(new, rng.uniform(0.3, 6.0, n), 6.0 + rng.gamma(2.0, 5.0, n))
    age = np.where(new, 19 + rng.gamma(3.2, 4.8, n), rng.normal(44.0, 9.0, n))
    age = np.clip(np.rint(age), 19, 63).astype(int)
    years = np.where(years > age - 1, (age - 1) * rng.uniform(0.3, 0.95, n), years)
    country = np.empty(n, dtype=object)
    for nw in (0, 1):
        for g in (0, 1):
            sel = (new == nw) & (m == g)
            country[sel] = _choice(rng, _ORIGIN_P[(nw, g)], int(sel.sum()))
    u = rng.random(n)
    asyl = np.select([new & m, new & ~m, ~new & m], [.84, .45, .50], .32)
    fam = np.select([new & m, new & ~m, ~new & m], [.05, .42, .08], .12)
    residence = np.where(u < asyl, RESIDENCE_BASES[0], np.where(u < asyl + fam, RESIDENCE_BASES[1],
                                                                RESIDENCE_BASES[2]))
    u = rng.random(n)
    cut = np.where(new[:, None], [[.70, .82, .91]], [[.56, .82, .94]])
    edu = np.array(EDUCATIONS, dtype=object)[(u[:, None] >= cut).sum(axis=1)]
    single = rng.random(n) < np.select([new & m, new & ~m], [.50, .30], .34)
    young = age < 45
    kids05 = rng.poisson(np.where(young, np.where(new, np.where(m, .50, .80), .40), .05))
    kids611 = rng.poisson(np.where(age < 52, np.where(new, np.where(m, .50, .80), .50), .15))
    kids1218 = rng.poisson(np.where(age >= 32, np.where(new, .40, .75), .05))
    akasse = rng.random(n) < np.where(new, .03, .20)
    crime = rng.random(n) < np.where(m, np.where(new, .12, .26), np.where(new, .02, .05))
    hosp = rng.random(n) < .10 + .04 * (age > 45)
    partner = ~single
    p_emp = partner & (rng.random(n) < np.where(new, .12, .30))
    partner_emp = np.where(p_emp, rng.beta(2.5, 1.5, n), 0.0)
    partner_not_active = partner & ~p_emp & (rng.random(n) < .13)
    dk_born_partner = partner & (rng.random(n) < np.where(new, .03, .15))
    partner_years = np.where(dk_born_partner, age + rng.normal(0, 4, n),
                             np.clip(years + rng.normal(np.where(new, 0.0, 2.0), 3.0, n), 0.1, None))
    partner_years = np.where(partner, np.clip(partner_years, 0.1, 70), 0.0)
    nulst = rng.poisson(0.77, n)
    jp_prev = rng.random(n) < _expit(-1.9 + 1.1 * new + 0.4 * m)
    jp_year = rng.random(n) < _expit(-2.0 + 1.5 * new + 0.5 * m + 2.5 * jp_prev)
    theta = rng.standard_normal(n)
    kh_regime = rng.random(n) < 0.12      # on kontanthjælp mv. also within 9 years (uddannelseshjælp etc.)
    wage = rng.uniform(120.0, 175.0, n)
    small = rng.random(n) < np.where(m, .08, .20)
    hours = np.where(small, rng.uniform(6.0, 19.5, n),
                     20.0 + 17.0 * np.where(m, rng.beta(2.5, 1.0, n), rng.beta(1.5, 1.0, n)))
    s = 54 + rng.choice(len(_START_P), size=n, p=_START_P)
    day = rng.integers(0, 5, n)
    start = [WEEK_MONDAYS[w] + timedelta(days=int(d)) for w, d in zip(s, day)]
    return {
        "kommune": kom.astype(object), "male": m.astype(int), "age": age, "newcomer": new,
        "non_western_immigrant": np.ones(n, int), "origin_country": country,
        "origin_region": np.array([ORIGIN_REGION[c] for c in country], dtype=object),
        "years_in_dk": years, "residence_basis": residence, "education": edu, "single": single.astype(int),
        "children_0_5": kids05, "children_6_11": kids611, "children_12_18": kids1218,
        "partner_years_in_dk": partner_years, "partner_emp_rate": partner_emp,
        "partner_not_active": partner_not_active.astype(int), "akasse": akasse.astype(int),
        "nulstillende_samtaler": nulst, "jobparat_year": jp_year.astype(int),
        "jobparat_prev_year": jp_prev.astype(int), "hospitalised": hosp.astype(int), "crime": crime.astype(int),
        "theta": theta, "kh_regime": kh_regime, "wage_rate": wage, "job_hours": hours, "s": s,
        "start_date": np.array([_date_str(d) for d in start], dtype=object),
        "start_month_idx": np.array([_month_index(d) for d in start]),
    }


# ---------------------------------------------------------------------------
# the DGP: weekly histories without treatment
# ---------------------------------------------------------------------------
#: activation processes: digit -> (AR persistence, person sd); means in _draw_panel
_ACT_RHO = {1: 0.90, 2: 0.985, 3: 0.93, 4: 0.93, 5: 0.96, 6: 0.96}


def _draw_panel(rng, c: dict) -> dict:
    """Weekly states, hours and sectors 2016-W01 .. 2019-W31 without treatment (step 2)."""
    n = len(c["s"])
    weeks = np.arange(N_WEEKS)
    m = c["male"].astype(bool)
    f = ~m
    new = c["newcomer"]
    ysa = c["years_in_dk"][:, None] + (weeks[None, :] - c["s"][:, None]) / 52.18   # years since arrival
    resident = ysa >= 0
    age_w = c["age"][:, None] + (weeks[None, :] - c["s"][:, None]) / 52.18
    edu_hi = np.isin(c["education"], EDUCATIONS[1:3])

    # ordinary employment
    mu_j = (np.where(m, -0.6, -1.45) + 0.75 * c["theta"] + 0.35 * edu_hi + 0.25 * c["jobparat_prev_year"]
            - 0.35 * c["hospitalised"] - 0.30 * (f & (c["children_0_5"] > 0))
            - 0.025 * np.maximum(c["age"] - 45, 0))
    job = _hysteresis(mu_j[:, None] + 0.13 * np.minimum(ysa, 10.0) + _ar1(rng, n, 0.995), 0.25) & resident
    # self-supported without a job (partner's income etc.)
    mu_d = -1.35 + 1.2 * c["partner_emp_rate"] + 0.35 * f + 0.5 * rng.standard_normal(n)
    dep = _hysteresis(mu_d[:, None] + _ar1(rng, n, 0.99), 0.25) & resident
    # SU education
    mu_s = (-4.2 + 0.9 * f + 0.7 * (c["age"] < 30) + 0.4 * (c["age"] < 25) - 0.04 * np.maximum(c["age"] - 35, 0)
            - 0.4 * (c["education"] == EDUCATIONS[2]) + 0.5 * rng.standard_normal(n))
    su = _hysteresis(mu_s[:, None] + 1.15 * np.clip(ysa - 3.0, 0, 4.0) * new[:, None] + 1.3 * ~new[:, None]
                     + _ar1(rng, n, 0.995), 0.25) & resident
    sick = (_ar1(rng, n, 0.85) > 2.6) & resident

    job &= ~su
    big = job & (c["job_hours"][:, None] >= 20)
    small = job & ~big
    dep &= ~su & ~big
    last_job = np.maximum.accumulate(np.where(job, weeks[None, :], -1000), axis=1)
    dagp = (c["akasse"][:, None] == 1) & (weeks[None, :] - last_job <= 104) & ~su & ~big & ~dep & resident
    sick &= ~su & ~big & ~dep & ~dagp
    ben = resident & ~su & ~big & ~dep & ~dagp & ~sick
    iy = (ysa < 9.0) & ~c["kh_regime"][:, None]

    # activation (only in benefit weeks without paid hours): the strongest active latent process
    mu_act = {
        2: (-1.2 + 1.3 * new[:, None] * np.clip((5.0 - ysa) / 2.0, 0, 1) + 0.25 * f[:, None] - 0.5 * (ysa >= 9)
            + 0.3 * c["jobparat_year"][:, None]),
        3: (-1.45 + 0.35 * c["jobparat_year"] + 0.2 * new)[:, None],
        4: (-2.05 + 0.8 * f)[:, None],
        5: -2.1 + 1.0 * m[:, None] + 0.25 * (ysa >= 4),
        6: np.full((n, 1), -3.4),
        1: np.full((n, 1), -1.8),
    }
    best = np.full((n, N_WEEKS), -np.inf)
    act = np.zeros((n, N_WEEKS), np.int16)
    for d in (1, 2, 3, 4, 5, 6):
        x = mu_act[d] + 0.5 * rng.standard_normal((n, 1)) + _ar1(rng, n, _ACT_RHO[d])
        better = _hysteresis(x, 0.4) & (x > best)
        act[better] = d
        best = np.where(better, x, best)
    act[~(ben & ~small)] = 0

    codes = np.full((n, N_WEEKS), 90, np.int16)
    codes[su] = 30
    codes[big | dep] = 0
    codes[dagp | sick] = 40
    codes[ben] = np.where(iy, 10, 20)[ben] + act[ben]
    codes[~resident] = 90
    lt = (act == 5) | (act == 6)
    hours = np.where(job, c["job_hours"][:, None], 0.0)
    hours[lt] = FULLTIME_WEEK

    # sectors: one per job spell and per wage-subsidy spell
    sec = np.zeros((n, N_WEEKS), np.int16)
    for g in (0, 1):
        rows = m == g
        jm = np.zeros_like(job)
        jm[rows] = job[rows]
        sec += _spells(jm, _draw_sector(rng, SECTOR_Y0[g], _n_starts(jm)))
    for d in (5, 6):
        am = act == d
        sec = np.where(am, _spells(am, _draw_sector(rng, SECTOR_WAGE_SUBSIDY[d], _n_starts(am))), sec)

    # IGU: newcomers on integrationsydelse, under 41, from July 2016; a job for up to 2 years
    elig = ((codes >= 10) & (codes <= 16) & (hours == 0) & (weeks[None, :] >= IGU_FIRST_WEEK)
            & (ysa < 5) & (age_w <= 40))
    hit = elig & (rng.random((n, N_WEEKS)) < np.where(m, 0.0003, 0.0006)[:, None])
    igu = np.where(hit.any(axis=1), np.argmax(hit, axis=1), -1)
    dur = _igu_duration(rng, n, 0.09, 0.27)
    igu_sec = np.where(m, _draw_sector(rng, SECTOR_IGU[1], n), _draw_sector(rng, SECTOR_IGU[0], n))
    _igu_spell(codes, hours, sec, igu, dur, rng.random(n) < IGU_CONTINUE, igu_sec)
    return {"codes": codes, "hours": hours, "sector": sec, "igu": igu}


# ---------------------------------------------------------------------------
# covariates (used by the DGP's selection step and by the report: one code path)
# ---------------------------------------------------------------------------
def _start_index(p: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, pd.DatetimeIndex]:
    """(week index of the start week, month index of the start month, start dates)."""
    d = pd.DatetimeIndex(pd.to_datetime(p["start_date"]))
    s = ((d - pd.Timestamp(FIRST_MONDAY)).days // 7).to_numpy()
    mi = ((d.year - 2016) * 12 + d.month - 1).to_numpy()
    return s, mi, d


def _lag_state(states: np.ndarray, s: np.ndarray, k: int) -> np.ndarray:
    return states[np.arange(len(s)), s - k]


def _state_is(code: np.ndarray, what: str) -> np.ndarray:
    ben = (code >= 10) & (code <= 26)
    digit = code % 10
    if what == "education":
        return ben & (digit == 2)
    if what == "placement":
        return ben & ((digit == 3) | (digit == 4))
    if what == "wage_subsidy":
        return ben & ((digit == 5) | (digit == 6))
    if what == "social_assistance":
        return (code >= 20) & (code <= 26)
    if what == "integration_benefit":
        return (code >= 10) & (code <= 16)
    raise KeyError(what)


def _covariate_frame(p: pd.DataFrame, states: np.ndarray, mhours: np.ndarray, kind: str) -> pd.DataFrame:
    s, mi, d = _start_index(p)
    rows = np.arange(len(p))
    out: dict[str, np.ndarray] = {"bot_2017": (d.year == 2017).astype(float), "start_month": d.month.astype(float)}
    kom = p["kommune"].to_numpy()
    for k in KOMMUNER:
        out[_KOM_KEY[k]] = (kom == k).astype(float)
    out["male"] = p["male"].to_numpy(float)
    for col in ("age", "single", "children_0_5", "children_6_11", "children_12_18"):
        out[col] = p[col].to_numpy(float)
    country, region = p["origin_country"].to_numpy(), p["origin_region"].to_numpy()
    out["origin_turkey"] = (country == "Tyrkiet").astype(float)
    out["origin_africa"] = (region == "Afrika").astype(float)
    out["origin_east_asia"] = (region == "Øst Asien").astype(float)
    out["origin_west_asia"] = (region == "Vest Asien").astype(float)
    out["years_in_dk"] = p["years_in_dk"].to_numpy(float)
    out["partner_years_in_dk"] = p["partner_years_in_dk"].to_numpy(float)
    res, edu = p["residence_basis"].to_numpy(), p["education"].to_numpy()
    out["residence_asylum"] = (res == RESIDENCE_BASES[0]).astype(float)
    out["residence_family_refugee"] = (res == RESIDENCE_BASES[1]).astype(float)
    out["edu_school"] = (edu == EDUCATIONS[0]).astype(float)
    out["edu_vocational"] = (edu == EDUCATIONS[1]).astype(float)
    out["edu_short_medium"] = (edu == EDUCATIONS[2]).astype(float)
    out["akasse"] = p["akasse"].to_numpy(float)
    for k in range(1, 13):
        out[f"emp_m{k}"] = np.minimum(mhours[rows, mi - k] / FULLTIME_MONTH, 1.0)
    out["partner_emp"] = p["partner_emp_rate"].to_numpy(float)
    out["wage_prev"] = p["wage_prev_year"].to_numpy(float)
    out["wage_prev_1000"] = out["wage_prev"] / 1000.0
    out["nulstillende"] = p["nulstillende_samtaler"].to_numpy(float)
    lags = sorted(set(WEEK_LAGS_BALANCE) | set(WEEK_LAGS_PS))
    for what in ("education", "placement", "wage_subsidy", "social_assistance", "integration_benefit"):
        for k in lags:
            out[f"{what}_w{k}"] = _state_is(_lag_state(states, s, k), what).astype(float)
    out["jobparat_year"] = p["jobparat_year"].to_numpy(float)
    out["jobparat_prev_year"] = p["jobparat_prev_year"].to_numpy(float)
    out["jobparat_prev_q1"] = out["jobparat_prev_year"]
    for col in ("partner_not_active", "hospitalised", "crime"):
        out[col] = p[col].to_numpy(float)
    keys = list(PS_COVARIATES) if kind == "ps" else list(BALANCE_COVARIATES) if kind == "balance" else None
    if keys is None:
        raise ValueError("kind must be 'ps' or 'balance'")
    if out["kom_skanderborg"].any():   # unrestricted population: Skanderborg gets its own dummy
        keys.insert(keys.index(_KOM_KEY["Thisted"] if kind == "balance" else _KOM_KEY["Rudersdal"]) + 1,
                    "kom_skanderborg")
    return pd.DataFrame({k: out[k] for k in keys}, index=pd.Index(p["person_id"].to_numpy(), name="person_id"))


def _selection_index(x: pd.DataFrame) -> np.ndarray:
    return sum(x[k].to_numpy() * b for k, b in SELECTION_COEF.items() if b != 0.0)


# ---------------------------------------------------------------------------
# the DGP: exact cells, participation
# ---------------------------------------------------------------------------
def _participants(rng) -> pd.DataFrame:
    """The 476 reported participants: project municipality, gender, flow stage, residence."""
    kom, male = [], []
    for k, (_, women, men, _) in TABLE_2_1.items():
        kom += [k] * (women + men)
        male += [0] * women + [1] * men
    kom, male = np.array(kom, dtype=object), np.array(male)
    stage = np.full(len(kom), "A", dtype=object)
    reason = np.full(len(kom), "", dtype=object)
    gi = {1: 0, 0: 1}
    for g in (1, 0):
        n_b = FLOW["treated_step2"][gi[g]] - FLOW["treated_final"][gi[g]]
        n_c = FLOW["treated_step1"][gi[g]] - FLOW["treated_step2"][gi[g]]
        n_d = FLOW["reported"][gi[g]] - FLOW["treated_step1"][gi[g]]
        odder = rng.permutation(np.flatnonzero((male == g) & (kom == "Odder")))[:n_b]
        stage[odder] = "B"
        rest = rng.permutation(np.flatnonzero((male == g) & (stage == "A")))
        stage[rest[:n_d]] = "D"
        stage[rest[n_d:n_d + n_c]] = "C"
        reasons = np.concatenate([[r] * v[gi[g]] for r, v in STEP1_REASONS_TREATED.items()])
        reason[rest[:n_d]] = rng.permutation(reasons)
    residence = np.where(stage == "B", "Skanderborg", kom)
    return pd.DataFrame({"projekt_kommune": kom, "male": male, "stage": stage, "reason": reason,
                         "residence": residence})


def _cell_counts(part: pd.DataFrame) -> pd.DataFrame:
    """Treated and control counts per (stage, residence municipality, gender)."""
    rows = []
    gi = {1: 0, 0: 1}
    for g in (1, 0):
        a = _allocate(FLOW["controls_final"][gi[g]], CONTROL_SHARES)
        c = _allocate(FLOW["controls_step1"][gi[g]] - FLOW["controls_step2"][gi[g]], NONBENEFIT_SHARES)
        d = _allocate(FLOW["controls_outside_population"][gi[g]], CONTROL_SHARES | {"Skanderborg": .10})
        b = FLOW["controls_step2"][gi[g]] - FLOW["controls_final"][gi[g]]
        for k in KOMMUNER:
            for stage, n_c in (("A", a.get(k, 0)), ("B", b if k == "Skanderborg" else 0), ("C", c.get(k, 0)),
                               ("D", d.get(k, 0))):
                if stage == "A" and k == "Skanderborg":
                    continue
                # participants of stage D are drawn from the candidates of their project municipality
                col = "projekt_kommune" if stage == "D" else "residence"
                n_t = int(((part["stage"] == stage) & (part[col] == k) & (part["male"] == g)).sum())
                rows.append((stage, k, g, n_t, n_c))
    return pd.DataFrame(rows, columns=["stage", "kommune", "male", "n_treated", "n_controls"])


_PERSON_KEYS = ("kommune", "male", "age", "newcomer", "non_western_immigrant", "origin_country", "origin_region",
                "years_in_dk", "residence_basis", "education", "single", "children_0_5", "children_6_11",
                "children_12_18", "partner_years_in_dk", "partner_emp_rate", "partner_not_active", "akasse",
                "nulstillende_samtaler", "jobparat_year", "jobparat_prev_year", "hospitalised", "crime", "theta",
                "kh_regime",
                "wage_rate", "job_hours", "s", "start_date", "start_month_idx")
_PANEL_KEYS = ("codes", "hours", "sector", "igu")


def _candidate_pool(rng, cells: pd.DataFrame) -> tuple[dict, dict]:
    """Draw candidates until every cell can be filled; returns (persons, panel) with a 'cell_stage' entry."""
    need = {}
    for (k, g), grp in cells.groupby(["kommune", "male"], sort=True):
        tot = grp.set_index("stage")[["n_treated", "n_controls"]].sum(axis=1)
        need[(k, g)] = (int(tot.get("A", 0) + tot.get("B", 0)), int(tot.get("C", 0)), int(tot.get("D", 0)))
    keys = sorted(need)
    have = {key: [0, 0] for key in keys}
    batches = []
    p_ben = {key: 0.35 for key in keys}
    for _ in range(10):
        sizes = []
        for key in keys:
            nb, nn, nd = need[key]
            db, dn = max(nb - have[key][0], 0), max(nn - have[key][1], 0)
            spare = have[key][0] + have[key][1] - nb - nn
            dd = max(nd - spare, 0) if db == 0 and dn == 0 else nd
            p = min(max(p_ben[key], 0.05), 0.95)
            sizes.append(0 if db == dn == dd == 0 else int(np.ceil(1.25 * max(db / p, dn / (1 - p)) + dd + 8)))
        if sum(sizes) == 0:
            break
        kom = np.repeat(np.array([k for k, _ in keys], dtype=object), sizes)
        male = np.repeat(np.array([g for _, g in keys]), sizes)
        cand = _draw_candidates(rng, kom, male)
        panel = _draw_panel(rng, cand)
        before = panel["codes"][np.arange(len(kom)), cand["s"] - 1]
        cand["benefit_before"] = ((before >= 10) & (before <= 46)).astype(int)
        batches.append((cand, panel))
        for i, key in enumerate(keys):
            sel = (kom == key[0]) & (male == key[1])
            nben = int(cand["benefit_before"][sel].sum())
            have[key][0] += nben
            have[key][1] += int(sel.sum()) - nben
            tot = have[key][0] + have[key][1]
            p_ben[key] = have[key][0] / tot if tot else 0.35
    else:
        raise RuntimeError("could not fill the sample cells")
    persons = {k: np.concatenate([b[0][k] for b in batches]) for k in _PERSON_KEYS + ("benefit_before",)}
    panel = {k: np.concatenate([b[1][k] for b in batches]) for k in _PANEL_KEYS}
    return persons, panel


def _fill_cells(cells: pd.DataFrame, persons: dict) -> tuple[np.ndarray, np.ndarray]:
    """Candidate rows used (in generation order within each cell) and their stage."""
    idx, stage = [], []
    for (k, g), grp in cells.groupby(["kommune", "male"], sort=True):
        n = grp.set_index("stage")[["n_treated", "n_controls"]].sum(axis=1)
        rows = np.flatnonzero((persons["kommune"] == k) & (persons["male"] == g))
        ben = rows[persons["benefit_before"][rows] == 1]
        nob = rows[persons["benefit_before"][rows] == 0]
        nb = int(n.get("A", 0) + n.get("B", 0))
        nn = int(n.get("C", 0))
        used = np.r_[ben[:nb], nob[:nn]]
        rest = np.setdiff1d(rows, used)[: int(n.get("D", 0))]
        idx += [ben[:nb], nob[:nn], rest]
        stage += [np.full(nb, "B" if k == "Skanderborg" else "A", dtype=object),
                  np.full(nn, "C", dtype=object), np.full(len(rest), "D", dtype=object)]
    return np.concatenate(idx), np.concatenate(stage)


# ---------------------------------------------------------------------------
# outcome definitions on arrays (the same code serves the DGP and the report)
# ---------------------------------------------------------------------------
def _wage_subsidy_share(states: np.ndarray) -> np.ndarray:
    ben = (states >= 10) & (states <= 26)
    d = states % 10
    return (ben & ((d == 5) | (d == 6))).astype(float) @ _W


def ordinary_employment_monthly(mhours: np.ndarray, states: np.ndarray) -> np.ndarray:
    """Ordinær beskæftigelse per month: beskæftigelsesgrad (paid hours / 166,33, at most 1) minus the share
    of the month's weeks in løntilskud, floored at 0; persons × 43 months."""
    rate = np.minimum(mhours / FULLTIME_MONTH, 1.0)
    return np.clip(rate - _wage_subsidy_share(states), 0.0, 1.0)


def _weekly_indicator(outcome: str, states: np.ndarray, mhours: np.ndarray | None, igu_week: np.ndarray
                      ) -> np.ndarray:
    """Calendar-week indicator (persons × 187, float; NaN where undefined) of a WEEKLY_OUTCOMES key."""
    if outcome == "ordinary_employment":
        om = ordinary_employment_monthly(mhours, states)
        out = np.full(states.shape, np.nan)
        ok = WEEK_MONTH >= 0
        out[:, ok] = om[:, WEEK_MONTH[ok]]
        return out
    if outcome == "self_support":
        return (states == 0).astype(float)
    if outcome == "su":
        return (states == 30).astype(float)
    if outcome == "integration_benefit":
        return ((states >= 10) & (states <= 16)).astype(float)
    if outcome == "social_assistance":
        return ((states >= 20) & (states <= 26)).astype(float)
    if outcome in _DIGIT:
        return (((states >= 10) & (states <= 26)) & (states % 10 == _DIGIT[outcome])).astype(float)
    if outcome == "igu":
        return ((igu_week[:, None] >= 0) & (np.arange(N_WEEKS)[None, :] >= igu_week[:, None])).astype(float)
    raise KeyError(f"unknown outcome {outcome!r}; choose from {', '.join(WEEKLY_OUTCOMES)}")


def _relative(ind: np.ndarray, s: np.ndarray, weeks=range(0, 53)) -> np.ndarray:
    """Gather ind[i, s_i + r] for r in ``weeks``; NaN beyond 2019-W31."""
    r = np.asarray(list(weeks))
    col = s[:, None] + r[None, :]
    ok = (col >= 0) & (col < N_WEEKS)
    out = np.full(col.shape, np.nan)
    rows = np.broadcast_to(np.arange(len(s))[:, None], col.shape)
    out[ok] = ind[rows[ok], col[ok]]
    return out


def _window_2019(outcome: str, states, mhours, igu_week) -> np.ndarray:
    if outcome == "ordinary_employment":
        return ordinary_employment_monthly(mhours, states)[:, MONTHS_2019].mean(axis=1)
    return _weekly_indicator(outcome, states, mhours, igu_week)[:, WEEKS_2019].mean(axis=1)


def _share_0_52(outcome: str, states, mhours, igu_week, s) -> np.ndarray:
    rel = _relative(_weekly_indicator(outcome, states, mhours, igu_week), s)
    return np.where(np.isnan(rel).any(axis=1), np.nan, np.nan_to_num(rel).mean(axis=1))


def _cumulative_months(states, mhours, mi) -> np.ndarray:
    om = ordinary_employment_monthly(mhours, states)
    out = np.full((len(mi), 13), np.nan)
    csum = np.cumsum(om, axis=1)
    for k in range(13):
        last = mi + k
        ok = last < N_MONTHS
        lo = np.where(mi > 0, csum[np.arange(len(mi)), np.maximum(mi - 1, 0)], 0.0)
        tot = csum[np.arange(len(mi)), np.minimum(last, N_MONTHS - 1)] - np.where(mi > 0, lo, 0.0)
        out[ok, k] = tot[ok] / (k + 1)
    return out


def _sector_2019(mhours, msector) -> dict[str, np.ndarray]:
    emp = mhours[:, MONTHS_2019] > 0
    sec = msector[:, MONTHS_2019]
    out = {}
    for key, (_, ind, own) in SECTOR_OUTCOMES.items():
        hit = (sec // 10 == ind) if ind is not None else (sec % 10 == own)
        out[key] = (emp & hit).mean(axis=1)
    return out


# ---------------------------------------------------------------------------
# the DGP: effects (step 5)
# ---------------------------------------------------------------------------
def _pick(rng, contrib, calib, eligible, male, need: dict, label: str, notes: list) -> np.ndarray:
    """Random participants switched on so that the calibration group's summed contribution meets
    ``need[g]`` (prefix of a random order, the last one chosen to fill the gap); others eligible are
    switched on at the same rate. A target out of reach is noted (meta.json) instead of failing."""
    chosen = np.zeros(len(contrib), bool)
    gname = {1: "maend", 0: "kvinder"}
    for g in (1, 0):
        idx = np.flatnonzero(calib & eligible & (male == g))
        perm = rng.permutation(idx)
        target = need.get(g, 0.0)
        rate = 0.0
        if target < -1e-9:
            notes.append(f"{label} ({gname[g]}): effect of earlier mechanisms above the target")
        if target > 1e-12 and len(perm):
            cs = np.cumsum(contrib[perm])
            if cs[-1] < target - 1e-9:
                notes.append(f"{label} ({gname[g]}): target out of reach, all eligible participants switched on")
                target = cs[-1]
            k = min(int(np.searchsorted(cs, target - 1e-12)), len(perm) - 1)
            rest = target - (cs[k - 1] if k > 0 else 0.0)
            # the last participant: the one among the rest whose contribution best fills the gap
            j = int(np.argmin(np.abs(contrib[perm[k:]] - rest)))
            take = list(perm[:k]) + ([perm[k + j]] if abs(contrib[perm[k + j]] - rest) < rest else [])
            if target >= cs[-1] - 1e-12:
                take = list(perm)
            chosen[take] = True
            rate = len(take) / len(perm)
        others = np.flatnonzero(~calib & eligible & (male == g))
        chosen[others] = rng.random(len(others)) < rate
    return chosen


#: added activation spells: outcome -> (digit, first week range, length range)
#: and the share of participants for whom the spell also replaces uddannelsesaktivering
_ACTIVATION_EFFECTS = {
    "guidance": (1, (0, 2), (4, 8), 0.5),
    "placement_private": (3, (4, 12), (12, 30), 0.25),
    "placement_public": (4, (4, 20), (6, 16), 0.25),
    "wage_subsidy_private": (5, (38, 50), (13, 26), 0.5),
}


def _apply_effects(rng, s, male, main, fu, codes, hours, sector, igu) -> tuple[dict, list]:
    """Turn the untreated histories of the participants (rows given) into treated ones, in place.
    ``main``: participants in the analysis sample (calibration of Jan-Jul 2019 outcomes); ``fu``: those
    of them with full follow-up of weeks 0-52 (calibration of the 0-52 outcomes)."""
    n = len(s)
    weeks = np.arange(N_WEEKS)
    rel = weeks[None, :] - s[:, None]
    rows = np.arange(n)
    y0 = {"codes": codes.copy(), "hours": hours.copy(), "sector": sector.copy(), "igu": igu.copy()}
    notes: list[str] = []
    gender_n = {g: {"main": int((main & (male == g)).sum()), "fu": int((fu & (male == g)).sum())} for g in (1, 0)}
    gkey = {1: "maend", 0: "kvinder"}
    everyone = np.ones(n, bool)

    def need(outcome: str, group: str, cur: np.ndarray, base: np.ndarray, calib: np.ndarray) -> dict:
        tau = TRUE_ATT_BY_GENDER[outcome]
        return {g: tau[gkey[g]] * gender_n[g][group] - float((cur - base)[calib & (male == g)].sum())
                for g in (1, 0)}

    def mh(h):
        return monthly_hours_from_weeks(h)

    def emp(c, h):
        return _window_2019("ordinary_employment", c, mh(h), igu)

    def ss(c):
        return _window_2019("self_support", c, None, igu)

    benefit = lambda c: (c >= 10) & (c <= 26)  # noqa: E731

    # 1. IGU start in weeks 8-36 (on integrationsydelse without paid hours that week); many registered
    #    IGUs never start or are interrupted, so the report's start-date outcome overstates IGU time
    w = s + rng.integers(8, 37, n)
    wc = np.minimum(w, N_WEEKS - 1)
    at = codes[rows, wc]
    ok = (w < N_WEEKS) & (at >= 10) & (at <= 16) & (hours[rows, wc] == 0) & ((igu < 0) | (igu > w))
    isec = np.where(male == 1, _draw_sector(rng, SECTOR_IGU[1], n), _draw_sector(rng, SECTOR_IGU[0], n))
    cand_igu = np.where(ok, w, igu)
    share = lambda g_: _share_0_52("igu", codes, None, g_, s)  # noqa: E731
    contrib = np.nan_to_num(share(cand_igu) - share(igu))
    cont = rng.random(n) < IGU_CONTINUE_BOT
    pick = _pick(rng, contrib, fu, everyone, male, need("igu_0_52", "fu", share(igu), share(y0["igu"]), fu), "IGU",
                 notes)
    # fixed shares among the starters of each gender: 25 % never start, 45 % interrupted, 30 % complete
    dur = np.zeros(n, int)
    for g in (1, 0):
        idx = rng.permutation(np.flatnonzero(pick & ok & (male == g)))
        n_never, n_stop = int(round(0.25 * len(idx))), int(round(0.45 * len(idx)))
        dur[idx[n_never:n_never + n_stop]] = rng.integers(4, 26, n_stop)
        dur[idx[n_never + n_stop:]] = 104
    _igu_spell(codes, hours, sector, np.where(pick & ok, w, -1), dur, cont, isec)
    igu[:] = np.where(pick & ok, w, igu)

    # 2. a lasting job from week 20-90 (weeks without paid hours, on IY/KH or self-supported)
    start = rng.integers(20, 91, n)
    h_new = np.where(male == 1, rng.uniform(28.0, 37.0, n), rng.uniform(22.0, 37.0, n))
    jsec = np.where(male == 1, _draw_sector(rng, SECTOR_BOT[1], n), _draw_sector(rng, SECTOR_BOT[0], n))
    elig = (rel >= start[:, None]) & (benefit(codes) | (codes == 0)) & (hours == 0)
    c_codes, c_hours = np.where(elig, 0, codes), np.where(elig, h_new[:, None], hours)
    cur = emp(codes, hours)
    contrib = emp(c_codes, c_hours) - cur
    pick = _pick(rng, contrib, main, everyone, male,
                 need("ordinary_employment_2019", "main", cur, emp(y0["codes"], y0["hours"]), main), "jobs", notes)
    added = elig & pick[:, None]
    prev_codes = codes.copy()
    codes[added], hours[added] = 0, np.broadcast_to(h_new[:, None], hours.shape)[added]
    sector[added] = np.broadcast_to(jsec[:, None], sector.shape)[added]
    job_person = pick

    # 3. self-support: extra exits without a job, or jobs with supplementary benefit if jobs overshoot
    nd = need("self_support_2019", "main", ss(codes), ss(y0["codes"]), main)
    if any(v > 0 for v in nd.values()):
        start = rng.integers(8, 61, n)
        elig = (rel >= start[:, None]) & benefit(codes) & (hours == 0)
        contrib = ss(np.where(elig, 0, codes)) - ss(codes)
        pick = _pick(rng, contrib, main, everyone, male, {g: max(v, 0.0) for g, v in nd.items()}, "exits",
                     notes)
        codes[elig & pick[:, None]] = 0
    if any(v < 0 for v in nd.values()):
        revert = added & benefit(prev_codes)
        c_codes = np.where(revert, prev_codes // 10 * 10, codes)
        contrib = ss(codes) - ss(c_codes)
        pick = _pick(rng, contrib, main, job_person, male, {g: max(-v, 0.0) for g, v in nd.items()},
                     "supplementary benefit", notes)
        codes[:] = np.where(revert & pick[:, None], c_codes, codes)

    # 4. activation in benefit weeks without paid hours and without activation; for a random share of
    #    the participants (more if needed to reach the target) also instead of uddannelsesaktivering
    for outcome, (digit, (r_lo, r_hi), (l_lo, l_hi), p_instead) in _ACTIVATION_EFFECTS.items():
        start = rng.integers(r_lo, r_hi + 1, n)
        length = rng.integers(l_lo, l_hi + 1, n)
        instead = rng.random(n) < p_instead
        order = rng.permutation(n)
        d = codes % 10
        span = (rel >= start[:, None]) & (rel < (start + length)[:, None]) & benefit(codes) & (hours == 0)
        share = lambda c_: _share_0_52(outcome, c_, None, igu, s)  # noqa: E731
        cur = share(codes)
        nd = need(f"{outcome}_0_52", "fu", cur, share(y0["codes"]), fu)
        gain = {}
        for with_udd in (False, True):
            e = span & ((d == 0) | (d == 2)) if with_udd else span & (d == 0)
            gain[with_udd] = np.nan_to_num(share(np.where(e, codes // 10 * 10 + digit, codes)) - cur)
        for g in (1, 0):   # widen to uddannelse weeks until the capacity is 1.3 times the need
            cal = fu & (male == g)
            cap = np.where(instead, gain[True], gain[False])[cal].sum()
            extra = [i for i in order if cal[i] and not instead[i]]
            more = np.cumsum((gain[True] - gain[False])[extra])
            k = int(np.searchsorted(more, 1.3 * nd[g] - cap)) + 1 if cap < 1.3 * nd[g] else 0
            instead[extra[:k]] = True
        elig = span & ((d == 0) | ((d == 2) & instead[:, None]))
        c_codes = np.where(elig, codes // 10 * 10 + digit, codes)
        contrib = np.nan_to_num(share(c_codes) - cur)
        pick = _pick(rng, contrib, fu, everyone, male, nd, outcome, notes)
        hit = elig & pick[:, None]
        codes[hit] = c_codes[hit]
        if digit == 5:
            hours[hit] = FULLTIME_WEEK
            lsec = _draw_sector(rng, SECTOR_WAGE_SUBSIDY[5], n)
            sector[hit] = np.broadcast_to(lsec[:, None], sector.shape)[hit]
    return y0, notes


# ---------------------------------------------------------------------------
# the DGP: putting it together
# ---------------------------------------------------------------------------
def _persons_frame(P: dict, rows: np.ndarray, person_id: np.ndarray) -> pd.DataFrame:
    """The columns the covariate code needs, for candidate rows (used before the final frame exists)."""
    cols = {k: P[k][rows] for k in ("kommune", "male", "age", "origin_country", "origin_region", "years_in_dk",
                                    "partner_years_in_dk", "residence_basis", "education", "single",
                                    "children_0_5", "children_6_11", "children_12_18", "akasse",
                                    "partner_emp_rate", "wage_prev_year", "nulstillende_samtaler",
                                    "jobparat_year", "jobparat_prev_year", "partner_not_active",
                                    "hospitalised", "crime", "start_date")}
    return pd.DataFrame({"person_id": person_id, **cols})


def _durations(rng, part_kom: np.ndarray, start: pd.DatetimeIndex) -> np.ndarray:
    """End dates (NaT = still participating at 31.3.2019) so that the mean weeks on the project per
    municipality (Tabel 2.1) are as printed: lengths = lambda * Exp(1), lambda solved by bisection."""
    cap = (pd.Timestamp(STATUS_DATE) - start).days.to_numpy() / 7.0
    e = rng.exponential(1.0, len(cap))
    end = np.full(len(cap), np.nan)
    for k, (_, _, _, weeks) in TABLE_2_1.items():
        m = part_kom == k
        lo, hi = 0.01, 1e4
        if np.minimum(cap[m], hi * e[m]).mean() > weeks:
            for _ in range(80):
                mid = np.sqrt(lo * hi)
                if np.minimum(cap[m], mid * e[m]).mean() > weeks:
                    hi = mid
                else:
                    lo = mid
        length = hi * e[m]
        end[m] = np.where(length < cap[m], np.maximum(np.round(length * 7.0), 1.0), np.nan)
    return end


def generate(seed: int = DEFAULT_SEED) -> BotData:
    """Draw one synthetic BOT data set (vectorised numpy; a few seconds)."""
    rng = np.random.default_rng(seed)
    part = _participants(rng)
    cells = _cell_counts(part)
    P, panel = _candidate_pool(rng, cells)
    rows, stage = _fill_cells(cells, P)
    P = {k: v[rows] for k, v in P.items()}
    panel = {k: v[rows] for k, v in panel.items()}
    n = len(rows)
    if n != N_PERSONS:
        raise RuntimeError(f"expected {N_PERSONS} persons, got {n}")
    P["stage"] = stage
    codes, hours, sector, igu = panel["codes"], panel["hours"], panel["sector"], panel["igu"]

    # --- participants of stage D (designated) and the reasons for failing flow step 1
    bot = np.zeros(n, int)
    projekt = np.full(n, "", dtype=object)
    reason = np.full(n, "", dtype=object)
    pd_ = part[part["stage"] == "D"]
    for (k, g), grp in pd_.groupby(["projekt_kommune", "male"], sort=True):
        cand = np.flatnonzero((stage == "D") & (P["kommune"] == k) & (P["male"] == g) & (bot == 0))[: len(grp)]
        bot[cand] = 1
        projekt[cand] = k
        reason[cand] = grp["reason"].to_numpy()
    gi = {1: 0, 0: 1}
    for g in (1, 0):
        ctl = np.flatnonzero((stage == "D") & (bot == 0) & (P["male"] == g))
        rs = np.concatenate([[r] * v[gi[g]] for r, v in STEP1_REASONS_OTHERS.items()])
        reason[ctl] = rng.permutation(rs)[: len(ctl)]
    for r in ("permanent", "age", "western", "outside"):
        idx = np.flatnonzero(reason == r)
        if r == "permanent":
            c0 = np.maximum(P["s"][idx] - rng.integers(1, 100, len(idx)), 0)
            on = np.arange(N_WEEKS)[None, :] >= c0[:, None]
            codes[idx] = np.where(on, 50, codes[idx])
            hours[idx] = np.where(on, 0.0, hours[idx])
            sector[idx] = np.where(on, 0, sector[idx])
            igu[idx] = np.where(igu[idx] >= c0, -1, igu[idx])
        elif r == "age":
            young = rng.random(len(idx)) < 0.4
            P["age"][idx] = np.where(young, 18, rng.integers(64, 67, len(idx)))
            P["years_in_dk"][idx] = np.where(young, np.minimum(P["years_in_dk"][idx], 17.0), P["years_in_dk"][idx])
        elif r == "western":
            P["non_western_immigrant"][idx] = 0
            P["origin_country"][idx] = rng.choice(np.array(WESTERN_COUNTRIES, dtype=object), len(idx))
            P["origin_region"][idx] = "Vestlige lande"
            P["residence_basis"][idx] = RESIDENCE_BASES[2]
        else:
            P["kommune"][idx] = OTHER_KOMMUNE[0]

    # --- wage income the year before (hours before the start month × hourly wage)
    mh = monthly_hours_from_weeks(hours)
    mi = P["start_month_idx"]
    P["wage_prev_year"] = np.round(sum(mh[np.arange(n), mi - k] for k in range(1, 13)) * P["wage_rate"])

    # --- participation in stages A, B, C: logit selection within (stage, municipality, gender) cells
    frame = _persons_frame(P, np.arange(n), np.arange(n))
    x = _covariate_frame(frame, codes, mh, "ps")
    idx_sel = _selection_index(x) + rng.logistic(size=n)
    before = codes[np.arange(n), P["s"] - 1]
    iy_kh = (before >= 10) & (before <= 26)
    for row in cells.itertuples():
        if row.stage == "D" or row.n_treated == 0:
            continue
        st = row.stage
        pool = np.flatnonzero((stage == st) & (P["kommune"] == row.kommune) & (P["male"] == row.male))
        if st in ("A", "B"):    # only persons on integrationsydelse or kontanthjælp the week before
            pool = pool[iy_kh[pool]]
        if len(pool) < row.n_treated:
            raise RuntimeError(f"too few eligible persons in cell {row}")
        take = pool[np.argsort(-idx_sel[pool], kind="stable")[: row.n_treated]]
        bot[take] = 1
        projekt[take] = "Odder" if st == "B" else row.kommune
    assert bot.sum() == sum(FLOW["reported"])

    # --- effects
    s = P["s"]
    step1 = (stage != "D")
    main = (stage == "A") & (bot == 1)
    fu = main & (s <= FULL_FOLLOWUP_LAST_START)
    t = np.flatnonzero(bot == 1)
    sub = {"codes": codes[t], "hours": hours[t], "sector": sector[t], "igu": igu[t]}
    y0, notes = _apply_effects(rng, s[t], P["male"][t], main[t], fu[t], sub["codes"], sub["hours"], sub["sector"],
                        sub["igu"])
    if (sub["hours"] < y0["hours"]).any() or (sub["codes"][y0["codes"] == 30] != 30).any():
        raise RuntimeError("an effect reduced paid hours or touched SU weeks")   # invariants of step 5
    codes[t], hours[t], sector[t], igu[t] = sub["codes"], sub["hours"], sub["sector"], sub["igu"]
    sample_att = _sample_att(y0, sub, s[t], mi[t], P["male"][t], main[t], fu[t], step1[t],
                             np.array([pd.Timestamp(d).date() for d in P["start_date"][t]]))

    # --- participation end dates, target industry, IGU dates
    start = pd.DatetimeIndex(pd.to_datetime(P["start_date"]))
    end = np.full(n, np.nan)
    end[t] = _durations(rng, projekt[t], start[t])
    end_date = np.array(["" if np.isnan(e) else (start[i] + pd.Timedelta(days=int(e))).date().isoformat()
                         for i, e in enumerate(end)], dtype=object)
    branche = np.full(n, "", dtype=object)
    has = (bot == 1) & (rng.random(n) < 0.55)
    p_ind = {1: [.15, .20, .02, .22, .10, .15, .10, .06], 0: [.30, .20, .30, .02, .12, .04, .0, .02]}
    for g in (1, 0):
        m = has & (P["male"] == g)
        pr = np.array(p_ind[g]) / sum(p_ind[g])
        branche[m] = np.array(PROJECT_INDUSTRIES, dtype=object)[rng.choice(len(pr), m.sum(), p=pr)]
    igu_day = rng.integers(0, 5, n)
    igu_date = np.array(["" if w_ < 0 else (WEEK_MONDAYS[w_] + timedelta(days=int(d))).isoformat()
                         for w_, d in zip(igu, igu_day)], dtype=object)

    # --- final frames
    perm = rng.permutation(n)
    pid = np.empty(n, int)
    pid[perm] = np.arange(1, n + 1)
    before = codes[np.arange(n), s - 1]
    persons = pd.DataFrame({
        "person_id": pid, "bot": bot, "projekt_kommune": projekt, "start_date": P["start_date"],
        "start_week": [WEEK_LABELS[w_] for w_ in s], "bot_end_date": end_date, "branche_forloeb": branche,
        "kommune": P["kommune"], "kommune_kode": [KOMMUNE_CODE.get(k, OTHER_KOMMUNE[1]) for k in P["kommune"]],
        "male": P["male"], "age": P["age"], "non_western_immigrant": P["non_western_immigrant"],
        "origin_country": P["origin_country"], "origin_region": P["origin_region"], "years_in_dk": P["years_in_dk"],
        "residence_basis": P["residence_basis"], "education": P["education"], "single": P["single"],
        "children_0_5": P["children_0_5"], "children_6_11": P["children_6_11"],
        "children_12_18": P["children_12_18"], "partner_years_in_dk": P["partner_years_in_dk"],
        "partner_emp_rate": P["partner_emp_rate"], "partner_not_active": P["partner_not_active"],
        "akasse": P["akasse"], "wage_prev_year": P["wage_prev_year"],
        "nulstillende_samtaler": P["nulstillende_samtaler"], "jobparat_year": P["jobparat_year"],
        "jobparat_prev_year": P["jobparat_prev_year"], "hospitalised": P["hospitalised"], "crime": P["crime"],
        "permanent_benefit_week_before": (before == 50).astype(int),
        "benefit_week_before": ((before >= 10) & (before <= 46)).astype(int),
        "igu_start_date": igu_date,
    })
    mh = monthly_hours_from_weeks(hours)
    msec = _monthly_sector(hours, sector)
    wide = {
        "weekly_states": pd.DataFrame(codes.astype(np.int64), columns=WEEK_COLUMNS),
        "monthly_hours": pd.DataFrame(mh, columns=MONTH_COLUMNS),
        "monthly_sector": pd.DataFrame(msec.astype(np.int64), columns=MONTH_COLUMNS),
    }
    for df in wide.values():
        df.insert(0, "person_id", pid)
    unemp, empl = context_series()
    munis = pd.DataFrame(MUNICIPALITIES, columns=["kommune", "kommune_kode", "kommune_type", "projekt",
                                                  "in_evaluation"])
    meta = {
        "dataset": "bot",
        "generator": "analysis.synthetic.bot",
        "generator_version": GENERATOR_VERSION,
        "seed": int(seed),
        "synthetic": True,
        "true_att": TRUE_ATT,
        "sample_att": sample_att,
        "calibration_notes": notes,
        "selection_coefficients": dict(SELECTION_COEF),
        "calendar": {"weeks": [WEEK_LABELS[0], WEEK_LABELS[-1]], "months": [MONTH_LABELS[0], MONTH_LABELS[-1]],
                     "placebo_start_weeks": [WEEK_LABELS[START_WEEKS[0]], WEEK_LABELS[START_WEEKS[1]]],
                     "full_followup_last_start_week": WEEK_LABELS[FULL_FOLLOWUP_LAST_START],
                     "window_2019_weeks": [WEEK_LABELS[WEEKS_2019[0]], WEEK_LABELS[WEEKS_2019[-1]]],
                     "window_2019_months": [MONTH_LABELS[MONTHS_2019[0]], MONTH_LABELS[MONTHS_2019[-1]]]},
        "fulltime_month_hours": FULLTIME_MONTH,
        "state_codes": {str(k): v for k, v in STATE_CODES.items()},
        "industries": {str(k): v for k, v in INDUSTRIES.items()},
        "ownerships": {str(k): v for k, v in OWNERSHIPS.items()},
    }
    frames = {"persons": persons, "municipalities": munis, **wide,
              "context_unemployment": unemp, "context_employment": empl}
    frames = {stem: _finalize(stem, df) for stem, df in frames.items()}
    untreated = {"person_id": pid[t], "codes": y0["codes"], "hours": y0["hours"], "sector": y0["sector"],
                 "igu": y0["igu"]}
    return BotData(meta=meta, untreated=untreated, **frames)


def _r(x) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), 6)


def _sample_att(y0, y1, s, mi, male, main, fu, step1, start) -> dict:
    """Realised ATT (mean of Y(1) - Y(0) over the participants of each estimation sample)."""
    def outcomes(y):
        mh = monthly_hours_from_weeks(y["hours"])
        c, ig = y["codes"], y["igu"]
        out = {f"{k}_2019": _window_2019(k, c, mh, ig) for k in ("ordinary_employment", "self_support", "su")}
        for k in ("guidance", "education_activation", "placement_private", "placement_public",
                  "wage_subsidy_private", "wage_subsidy_public", "igu", "self_support", "ordinary_employment"):
            out[f"{k}_0_52"] = _share_0_52(k, c, mh, ig, s)
        out |= {f"sector_{k}_2019": v for k, v in _sector_2019(mh, _monthly_sector(y["hours"], y["sector"])).items()}
        cm = _cumulative_months(c, mh, mi)
        out |= {f"ordinary_employment_months_0_{k}": cm[:, k] for k in range(13)}
        weekly = {k: _relative(_weekly_indicator(k, c, mh, ig), s)
                  for k in ("ordinary_employment", "self_support", "su", "guidance", "education_activation",
                            "placement_private", "placement_public", "wage_subsidy_private", "wage_subsidy_public",
                            "igu")}
        return out, weekly
    o0, w0 = outcomes(y0)
    o1, w1 = outcomes(y1)
    cohort_i = np.array([d <= COHORT_I_LAST for d in start])
    cohort_ii = np.array([d <= COHORT_II_LAST for d in start])
    samples = {"main": main, "fu": fu, "cohort_i": main & cohort_i, "cohort_ii": main & cohort_ii,
               "unrestricted": step1}

    def att(diff, mask):
        res = {}
        for name, m in (("alle", mask), ("maend", mask & (male == 1)), ("kvinder", mask & (male == 0))):
            d = diff[m & np.isfinite(diff)]
            res[name] = _r(d.mean()) if len(d) else None
        res["n_treated"] = int((mask & np.isfinite(diff)).sum())
        return res

    out = {}
    for k in o0:
        diff = o1[k] - o0[k]
        sample = "fu" if k.endswith("_0_52") else "main"
        out[k] = att(diff, samples[sample]) | {"sample": sample}
    for name in ("cohort_i", "cohort_ii", "unrestricted"):
        out[f"ordinary_employment_2019_{name}"] = att(o1["ordinary_employment_2019"] - o0["ordinary_employment_2019"],
                                                       samples[name]) | {"sample": name}
    out["igu_0_52_cohort_ii"] = att(o1["igu_0_52"] - o0["igu_0_52"], samples["cohort_ii"]) | {"sample": "cohort_ii"}
    out["weekly_0_52"] = {k: [_r(v) for v in np.nanmean(w1[k][fu] - w0[k][fu], axis=0)] for k in w0}
    return out


# ---------------------------------------------------------------------------
# context series for Figur 1.1 and 1.2 (synthetic, seed-independent)
# ---------------------------------------------------------------------------
_UNEMP_NATIONAL = {2007: 3.8, 2008: 2.6, 2009: 4.8, 2010: 6.1, 2011: 6.0, 2012: 6.1, 2013: 5.8, 2014: 5.0,
                   2015: 4.6, 2016: 4.2, 2017: 4.3, 2018: 3.9, 2019: 3.7}
_UNEMP_REGION = {"Region Hovedstaden": 0.3, "Region Sjælland": 0.2, "Region Syddanmark": 0.0,
                 "Region Midtjylland": -0.3, "Region Nordjylland": 0.4}
_EMPLOYMENT = {  # (sex, origin) -> rates 2009..2019 (%)
    ("Mænd", "Personer med dansk oprindelse"): [78.6, 77.1, 76.9, 76.2, 75.9, 76.0, 76.4, 77.0, 77.6, 78.3, 78.7],
    ("Kvinder", "Personer med dansk oprindelse"): [75.8, 74.6, 74.2, 73.9, 73.5, 73.6, 74.0, 74.6, 75.1, 75.8, 76.2],
    ("Mænd", "Indvandrere fra ikke-vestlige lande"): [56.2, 53.4, 53.0, 52.6, 52.2, 53.1, 52.5, 54.0, 56.3, 58.6, 60.1],
    ("Kvinder", "Indvandrere fra ikke-vestlige lande"): [46.8, 45.9, 45.5, 45.2, 45.0, 46.1, 45.6, 46.4, 47.5, 49.0, 50.2],
}


def context_series() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(unemployment by area and year, employment rate by sex × origin and year): synthetic,
    illustrative series with the shapes described in the report (falling unemployment after the
    2010-12 peak; a women's gap of about 28 points in 2016; non-Western men rising from 2015)."""
    rows = []
    for y, v in _UNEMP_NATIONAL.items():
        rows.append((y, "Hele landet", v))
        for j, (area, off) in enumerate(_UNEMP_REGION.items()):
            wiggle = 0.1 * ((y * 7 + j * 3) % 5 - 2)
            rows.append((y, area, round(v + off * (1.0 + 0.3 * (y >= 2010)) + wiggle, 1)))
    unemp = pd.DataFrame(rows, columns=["year", "area", "unemployment_pct"])
    rows = [(2009 + i, sex, origin, v) for (sex, origin), vals in _EMPLOYMENT.items() for i, v in enumerate(vals)]
    empl = pd.DataFrame(rows, columns=["year", "sex", "origin", "employment_pct"])
    return unemp, empl


# ---------------------------------------------------------------------------
# finalising, writing, reading
# ---------------------------------------------------------------------------
def _finalize(stem: str, df: pd.DataFrame) -> pd.DataFrame:
    return finalize(df, LAYOUTS[stem])


def _csv_text(stem: str, df: pd.DataFrame) -> str:
    return csv_text(stem, df, LAYOUTS[stem])


def codebook_text(meta: dict | None = None) -> str:
    lines = ["# Codebook: synthetic BOT data (`data/synthetic/bot`)", "",
             "Synthetic data from `analysis.synthetic.bot` (see its module docstring for the data-generating "
             "process). No real person is behind any row; the context series are synthetic as well. Files are "
             "comma-separated UTF-8 with '.' decimals, '\\n' line ends, a header row, and empty fields for "
             "missing values (NA). All files are sorted by their first column(s); the three wide files have the "
             "rows of `persons.csv` in the same order.", ""]
    if meta:
        lines += [f"Seed {meta['seed']}, generator version {meta['generator_version']}.", ""]
    lines += ["## Sample flow (spec §5)", "",
              "Computed by `sample_flow()` from the columns; every step is a real column:", "",
              "1. reported participants: `bot == 1` (476);",
              "2. population: `age` 19–63, `non_western_immigrant == 1`, `kommune` one of the 12 municipalities "
              "(not 'Anden kommune'), `permanent_benefit_week_before == 0` → 448 participants, 7.367 others;",
              "3. `benefit_week_before == 1` → 415 / 2.536;",
              "4. `kommune != 'Skanderborg'` → 412 / 2.229 = the analysis sample (`analysis_mask()`).", "",
              "Step 2 alone is the unrestricted population of Tabel 5.1 (7.815 persons).", "",
              "## True effects", "",
              "True ATT of the participants (shares 0–1; `TRUE_ATT`, also in `meta.json` with the realised sample "
              "ATT of every outcome, `sample_att`):", "",
              "| outcome | alle | mænd | kvinder |", "|---|---|---|---|"]
    lines += [f"| `{k}` | {v['alle']:.4f} | {v['maend']:.4f} | {v['kvinder']:.4f} |" for k, v in TRUE_ATT.items()]
    lines += ["", "`_2019` = share of January–July 2019 (weeks 2019-W01..W31; months 2019-01..07 for employment); "
              "`_0_52` = share of weeks 0–52 after the (placebo) start, for persons with start no later than "
              "2018-W31 (full follow-up).", "",
              "## Weekly states (`weekly_states.csv`)", "",
              f"One row per person, columns `person_id` and `{WEEK_COLUMNS[0]}` … `{WEEK_COLUMNS[-1]}` "
              f"(ISO weeks {WEEK_LABELS[0]} – {WEEK_LABELS[-1]}, {N_WEEKS} weeks). Each cell is a state code = "
              "10 × benefit + activation digit:", "", "| code | state |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in STATE_CODES.items()]
    lines += ["", "Activation digits only occur with integrationsydelse (1x) and kontanthjælp mv. (2x). "
              "Selvforsørgelse = code 0 (includes IGU weeks and jobs of 20+ hours); SU = 30; "
              "virksomhedsrettet aktivering = digits 3–6. Week 0 is the ISO week of `start_date`; a week "
              "belongs to the month of its Thursday (2019-W31 belongs to August 2019).", "",
              "## Monthly hours and sector (`monthly_hours.csv`, `monthly_sector.csv`)", "",
              f"Columns `person_id` and `{MONTH_COLUMNS[0]}` … `{MONTH_COLUMNS[-1]}` (January 2016 – July 2019). "
              f"Hours: paid hours with arbejdsmarkedsbidrag (1 decimal); beskæftigelsesgrad = hours / "
              f"{FULLTIME_MONTH} (at most 1), løntilskud weeks are paid 37 hours. Ordinær beskæftigelse = "
              "beskæftigelsesgrad − share of the month's weeks in løntilskud (floored at 0; "
              "`ordinary_employment_monthly()`). Sector: 0 = no paid hours, else 10 × industry + ownership of "
              "the main job (most hours):", "", "| industry | | ownership | |", "|---|---|---|---|"]
    own = list(OWNERSHIPS.items())
    for j, (k, v) in enumerate(INDUSTRIES.items()):
        o = own[j] if j < len(own) else ("", "")
        lines.append(f"| {k} | {v} | {o[0]} | {o[1]} |")
    lines += ["", "Tabel 4.4 outcomes (`sector_outcomes()`): share of months January–July 2019 with paid hours "
              "whose main job is in the industry / ownership type.", ""]
    for stem, cols in COLUMNS.items():
        if stem in ("weekly_states", "monthly_hours", "monthly_sector"):
            lines += [f"Contract of `{stem}.csv`:"] + CONTRACT.codebook_lines(stem)
            continue
        lines += codebook_columns(stem, cols, SORT_KEYS[stem])
        lines += CONTRACT.codebook_lines(stem)
    return "\n".join(lines)


def write(out_dir, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write the CSV files, meta.json and codebook.md for ``seed``; returns the paths."""
    data = generate(seed)
    return write_files(out_dir, data.frames(), LAYOUTS, data.meta, codebook_text(data.meta))


def counterfactual(data: BotData) -> BotData:
    """The same data with every participant's untreated history Y(0) in place of the observed one
    (controls unchanged), so that any outcome function of this module gives Y(0) for everybody and
    ``outcome(data) - outcome(counterfactual(data))`` is each participant's true effect (0 for
    controls). Only for data from :func:`generate` (the files do not hold Y(0)); the frames are
    finalised as the written files are. ``meta["sample_att"]`` is the mean of these effects over
    the participants of each sample."""
    u = data.untreated
    if u is None:
        raise ValueError("counterfactual() needs the untreated histories that generate() keeps; "
                         "data read from files does not have them")
    ids = data.persons["person_id"].to_numpy()
    pos = pd.Index(ids).get_indexer(u["person_id"])
    codes = data.states().astype(np.int64)
    codes[pos] = u["codes"]
    mh, msec = data.hours(), data.sectors().astype(np.int64)
    mh[pos] = monthly_hours_from_weeks(u["hours"])
    msec[pos] = _monthly_sector(u["hours"], u["sector"])
    persons = data.persons.copy()
    igu = u["igu"]
    persons.loc[pos, "igu_start_date"] = [None if w_ < 0 else WEEK_MONDAYS[w_].isoformat() for w_ in igu]
    frames = {"persons": persons,
              "weekly_states": pd.DataFrame(codes, columns=WEEK_COLUMNS),
              "monthly_hours": pd.DataFrame(mh, columns=MONTH_COLUMNS),
              "monthly_sector": pd.DataFrame(msec, columns=MONTH_COLUMNS)}
    for stem in ("weekly_states", "monthly_hours", "monthly_sector"):
        frames[stem].insert(0, "person_id", ids)
    frames = {stem: _finalize(stem, df) for stem, df in frames.items()}
    return BotData(municipalities=data.municipalities, context_unemployment=data.context_unemployment,
                   context_employment=data.context_employment, meta=data.meta, untreated=None, **frames)


def load(data_dir, raws=None) -> BotData:
    """Read files written by :func:`write` (or real data with the same columns)."""
    frames, meta = read_files(data_dir, LAYOUTS, raws=raws)
    ids = frames["persons"]["person_id"].to_numpy()
    for stem in ("weekly_states", "monthly_hours", "monthly_sector"):
        if not np.array_equal(frames[stem]["person_id"].to_numpy(), ids):
            raise ValueError(f"{Path(data_dir) / (stem + '.csv')}: person_id does not match persons.csv")
    return BotData(meta=meta, **frames)


# ---------------------------------------------------------------------------
# analysis inputs for the report
# ---------------------------------------------------------------------------
def _rows(data: BotData, mask) -> np.ndarray:
    if mask is None:
        mask = analysis_mask(data)
    mask = np.asarray(mask)
    if mask.dtype != bool or len(mask) != len(data.persons):
        raise ValueError("mask must be a boolean array aligned with data.persons")
    return np.flatnonzero(mask)


def _igu_week(p: pd.DataFrame) -> np.ndarray:
    d = pd.to_datetime(p["igu_start_date"])
    w = ((d - pd.Timestamp(FIRST_MONDAY)).dt.days // 7).to_numpy(dtype=float)
    return np.where(np.isnan(w), -1, w).astype(int)


def flow_steps(data: BotData) -> pd.DataFrame:
    """Boolean columns per person: ``population`` (flow step 1: 19-63 years, non-Western immigrant,
    resident in one of the 12 municipalities, not on a permanent benefit the week before),
    ``benefit`` (step 1 and on a public transfer the week before) and ``analysis`` (step 2 and not
    resident in Skanderborg)."""
    p = data.persons
    pop = (p["age"].between(19, 63) & (p["non_western_immigrant"] == 1) & p["kommune"].isin(KOMMUNER)
           & (p["permanent_benefit_week_before"] == 0))
    ben = pop & (p["benefit_week_before"] == 1)
    ana = ben & (p["kommune"] != "Skanderborg")
    return pd.DataFrame({"population": pop.to_numpy(), "benefit": ben.to_numpy(), "analysis": ana.to_numpy()},
                        index=pd.Index(p["person_id"].to_numpy(), name="person_id"))


def analysis_mask(data: BotData, population: str = "main") -> np.ndarray:
    """Boolean mask over ``data.persons``: ``"main"`` = the analysis sample (412 + 2.229),
    ``"unrestricted"`` = flow step 1 (448 + 7.367, Tabel 5.1)."""
    steps = flow_steps(data)
    if population == "main":
        return steps["analysis"].to_numpy()
    if population == "unrestricted":
        return steps["population"].to_numpy()
    raise ValueError("population must be 'main' or 'unrestricted'")


def sample_flow(data: BotData) -> pd.DataFrame:
    """The sample flow of spec §5, computed from the columns: counts of participants and others (by
    gender) and the mean beskæftigelsesgrad in the month before the start."""
    p, steps = data.persons, flow_steps(data)
    t = p["bot"].to_numpy() == 1
    male = p["male"].to_numpy() == 1
    emp1 = covariates(data, "balance", np.ones(len(p), bool))["emp_m1"].to_numpy()
    rows = [("reported", "Indberettet af kommunerne", t, None)]
    rows += [("population", "19-63-årige ikke-vestlige indvandrere i de 12 kommuner, ikke på varig ydelse",
              t, steps["population"].to_numpy()),
             ("benefit", "+ offentlig forsørgelsesydelse ugen før start", t, steps["benefit"].to_numpy()),
             ("analysis", "- bopæl i Skanderborg Kommune", t, steps["analysis"].to_numpy())]
    out = []
    for key, label, _, m in rows:
        mt = t if m is None else t & m
        mc = None if m is None else ~t & m
        out.append({"step": key, "label": label, "treated": int(mt.sum()),
                    "controls": None if mc is None else int(mc.sum()),
                    "treated_men": int((mt & male).sum()), "treated_women": int((mt & ~male).sum()),
                    "controls_men": None if mc is None else int((mc & male).sum()),
                    "controls_women": None if mc is None else int((mc & ~male).sum()),
                    "emp_m1_treated": None if m is None else float(emp1[mt].mean()),
                    "emp_m1_controls": None if mc is None else float(emp1[mc].mean())})
    return pd.DataFrame(out)


def treatment(data: BotData, mask=None) -> np.ndarray:
    """BOT participation (0/1) of the persons in ``mask`` (default: analysis sample)."""
    return data.persons["bot"].to_numpy()[_rows(data, mask)]


def municipality(data: BotData, mask=None) -> np.ndarray:
    """Municipality code of residence (exact-matching variable)."""
    return data.persons["kommune_kode"].to_numpy()[_rows(data, mask)]


def gender(data: BotData, mask=None) -> np.ndarray:
    """1 = man, 0 = woman."""
    return data.persons["male"].to_numpy()[_rows(data, mask)]


def start_cohort(data: BotData, mask=None) -> pd.DataFrame:
    """Start year and month, the Tabel 4.3 cohorts (I: start January 2017 - July 2018, II: - March
    2018) and ``full_followup`` (start no later than 2018-W31: weeks 0-52 observed)."""
    p = data.persons.iloc[_rows(data, mask)]
    s, _, d = _start_index(p)
    return pd.DataFrame({"start_year": d.year.to_numpy(), "start_month": d.month.to_numpy(),
                         "cohort_i": (d <= pd.Timestamp(COHORT_I_LAST)),
                         "cohort_ii": (d <= pd.Timestamp(COHORT_II_LAST)),
                         "full_followup": s <= FULL_FOLLOWUP_LAST_START},
                        index=pd.Index(p["person_id"].to_numpy(), name="person_id"))


def covariates(data: BotData, kind: str = "ps", mask=None) -> pd.DataFrame:
    """Covariate matrix (rows = persons in ``mask``, index person_id).

    ``kind="ps"``: the propensity-score covariates of Bilagstabel 2.1 in printed order
    (:data:`PS_COVARIATES`; Thisted is the reference municipality, no constant). Every participant was
    on integrationsydelse or kontanthjælp the week before, so the two dummies are quasi-separating,
    exactly as in the published table (±15 with SE 372): ``analysis.psm.fit_propensity`` handles this
    (persons on a third benefit get score 0 and the model is fitted on the rest). ``kind="balance"``: the rows of Bilagstabel 2.2
    (:data:`BALANCE_COVARIATES`, incl. the løntilskud lags of Bilagstabel 2.3). If the mask contains
    residents of Skanderborg (unrestricted population, Tabel 5.1) a dummy ``kom_skanderborg`` is added
    after the other municipality dummies. Labels: :data:`COVARIATE_LABELS`."""
    r = _rows(data, mask)
    return _covariate_frame(data.persons.iloc[r], data.states()[r], data.hours()[r], kind)


def weekly_outcome(data: BotData, outcome: str, mask=None, weeks=range(0, 53)) -> np.ndarray:
    """Outcome indicator in weeks 0..52 after the (placebo) start: persons × 53 (NaN after 2019-W31).
    ``outcome``: a key of :data:`WEEKLY_OUTCOMES` (ordinary_employment: the month's rate)."""
    r = _rows(data, mask)
    p = data.persons.iloc[r]
    s, _, _ = _start_index(p)
    ind = _weekly_indicator(outcome, data.states()[r], data.hours()[r], _igu_week(p))
    return _relative(ind, s, weeks)


def window_2019(data: BotData, outcome: str, mask=None) -> np.ndarray:
    """Share of January-July 2019 (weeks 2019-W01..W31; months for ordinary_employment) per person."""
    r = _rows(data, mask)
    return _window_2019(outcome, data.states()[r], data.hours()[r], _igu_week(data.persons.iloc[r]))


def share_0_52(data: BotData, outcome: str, mask=None) -> np.ndarray:
    """Share of weeks 0-52 after the (placebo) start; NaN without full follow-up (start after 2018-W31)."""
    w = weekly_outcome(data, outcome, mask)
    return np.where(np.isnan(w).any(axis=1), np.nan, np.nan_to_num(w).mean(axis=1))


def cumulative_months(data: BotData, mask=None) -> np.ndarray:
    """Tabel 4.2: ordinary employment averaged over months 0..k after the start month (column k = 0..12);
    NaN when month k is after July 2019."""
    r = _rows(data, mask)
    _, mi, _ = _start_index(data.persons.iloc[r])
    return _cumulative_months(data.states()[r], data.hours()[r], mi)


def sector_outcomes(data: BotData, mask=None) -> pd.DataFrame:
    """Tabel 4.4: share of months January-July 2019 employed (paid hours > 0) with the main job in each
    industry / ownership type (columns = :data:`SECTOR_OUTCOMES` keys)."""
    r = _rows(data, mask)
    out = _sector_2019(data.hours()[r], data.sectors()[r])
    return pd.DataFrame(out, index=pd.Index(data.persons["person_id"].to_numpy()[r], name="person_id"))


def analysis_frame(data: BotData, population: str = "main") -> pd.DataFrame:
    """One row per person of the population: identifiers, treatment, gender, municipality, cohorts and
    the outcome of every effect table (Jan-Jul 2019 shares, weeks 0-52 shares, sector outcomes)."""
    mask = analysis_mask(data, population)
    p = data.persons[mask]
    out = pd.DataFrame({"treat": p["bot"].to_numpy(), "male": p["male"].to_numpy(),
                        "kommune": p["kommune"].to_numpy(), "kommune_kode": p["kommune_kode"].to_numpy()},
                       index=pd.Index(p["person_id"].to_numpy(), name="person_id"))
    out = out.join(start_cohort(data, mask))
    for k in ("ordinary_employment", "self_support", "su"):
        out[f"{k}_2019"] = window_2019(data, k, mask)
    for k in ("guidance", "education_activation", "placement_private", "placement_public",
              "wage_subsidy_private", "wage_subsidy_public", "igu"):
        out[f"{k}_0_52"] = share_0_52(data, k, mask)
    return out.join(sector_outcomes(data, mask).add_prefix("sector_").add_suffix("_2019"))


def municipal_counts(data: BotData) -> pd.DataFrame:
    """Tabel 2.1: participants per project municipality at 31.3.2019 (all, women, men) and their mean
    number of weeks on the project (start to end date or 31.3.2019), with an 'I alt' row. Unmasked:
    apply the 1-4 rule in the report."""
    p = data.persons[data.persons["bot"] == 1]
    start = pd.to_datetime(p["start_date"])
    end = pd.to_datetime(p["bot_end_date"]).fillna(pd.Timestamp(STATUS_DATE)).clip(upper=pd.Timestamp(STATUS_DATE))
    weeks = (end - start).dt.days / 7.0
    df = pd.DataFrame({"kommune": p["projekt_kommune"].to_numpy(), "male": p["male"].to_numpy(),
                       "weeks": weeks.to_numpy()})
    rows = []
    for k in TABLE_2_1:
        g = df[df["kommune"] == k]
        rows.append((k, len(g), int((g["male"] == 0).sum()), int((g["male"] == 1).sum()), g["weeks"].mean()))
    rows.append(("I alt", len(df), int((df["male"] == 0).sum()), int((df["male"] == 1).sum()), df["weeks"].mean()))
    return pd.DataFrame(rows, columns=["kommune", "alle", "kvinder", "maend", "mean_weeks"])


def status_note(data: BotData) -> pd.DataFrame:
    """Figur 2.3 and 2.4 (status notes, all 476 participants): share of person-months with any wage
    income ('beskæftigelsesgrad' of the status notes) and share with an IGU started, before (the 12
    months before the start month) and after (start month to March 2019 or the end date)."""
    p = data.persons[data.persons["bot"] == 1]
    r = np.flatnonzero(data.persons["bot"].to_numpy() == 1)
    _, mi, start = _start_index(p)
    end = pd.to_datetime(p["bot_end_date"]).fillna(pd.Timestamp(STATUS_DATE)).clip(upper=pd.Timestamp(STATUS_DATE))
    end_mi = ((end.dt.year - 2016) * 12 + end.dt.month - 1).to_numpy()
    paid = data.hours()[r] > 0
    months = np.arange(N_MONTHS)[None, :]
    before = (months >= (mi - 12)[:, None]) & (months < mi[:, None])
    after = (months >= mi[:, None]) & (months <= end_mi[:, None])
    igu = pd.to_datetime(p["igu_start_date"])
    out = []
    for label, g in (("Alle", np.ones(len(p), bool)), ("Mænd", p["male"].to_numpy() == 1),
                     ("Kvinder", p["male"].to_numpy() == 0)):
        out.append({"measure": "employment", "group": label,
                    "before": float((paid & before)[g].sum() / before[g].sum()),
                    "after": float((paid & after)[g].sum() / after[g].sum())})
        out.append({"measure": "igu", "group": label,
                    "before": float((igu < start).to_numpy()[g].mean()),
                    "after": float((igu <= end).to_numpy()[g].mean())})
    return pd.DataFrame(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m analysis.synthetic.bot",
                                 description="Write the synthetic BOT data set.")
    ap.add_argument("--out", required=True, help="output folder, e.g. data/synthetic/bot")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    args = ap.parse_args(argv)
    for p in write(args.out, args.seed):
        print(p)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
