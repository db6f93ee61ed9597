"""Synthetic data for "Opgang til Opgang" (OtO), a family-randomised trial in Aarhus.

A seeded, documented data-generating process (DGP) with the exact design of
the trial and outcomes calibrated to the published tables (spec ``oto.md``
§1, §6, §7). No real person is behind any row.

Design (exact in every draw)
    223 families in 3 strata (40/64/119), offered 24/38/70, accepted 11/20/31
    (take-up 62/132). 1.052 persons: 617 in offered families (300 accepting,
    317 declining) and 435 in control families.

Structure of the DGP
    1. Every family has a latent type "would accept if offered" (complier).
       Among offered families exactly 11/20/31 are compliers (they accept);
       among control families the number of compliers is Binomial with the same
       share, so both arms have the same type mix in expectation.
    2. Family size is drawn by type (compliers slightly larger) and adjusted so
       the person totals are exactly 300 / 317 / 435.
    3. Two latent family factors drive all outcomes and make family clustering
       matter: ``v`` (social / child-welfare problems; compliers are lower, so
       accepting families have lower baseline social expenditure and fewer
       notifications, as in Tabel A2) and ``u`` (weak labour-market
       attachment; higher in stratum 3). Person outcomes add further
       family-level random effects.
    4. Each outcome is baseline + stratum + covariates + noise, with its lagged
       (pre-randomisation) value where the report has one.
    5. Treatment effects act **only on units of accepting families** (offered
       compliers). Being offered and declining has no effect, and decliners are
       drawn exactly like the control group's would-be decliners, so Bloom's
       identifying assumption E(Y_t | d=0) = E(Y_k | d=0) holds by construction.
       For outcome k the mean effect on an accepting unit of its estimation
       sample is the true participation effect (effect on the treated)
       ``TRUE_PARTICIPATION[k] = TRUE_ITT[k] / ACCEPT_SHARE[k]``, where
       ACCEPT_SHARE[k] is the expected share of accepting-family units among the
       offered units of that sample. The effect of the offer averaged over all
       offered units (the ITT, as the report estimates it) is therefore
       ACCEPT_SHARE * TRUE_PARTICIPATION = TRUE_ITT, the published ITT estimate,
       in expectation over draws. (The accepting share differs a little between
       strata, 11/24, 20/38, 31/70 for families, so the stratum ITTs do too; the
       report's OLS with stratum dummies weights strata by n_s p_s (1 - p_s)
       instead of by offered units, which with p_s ≈ 0.6 in every stratum moves
       its target by about 0.2 %.) In one draw the ITT is delta times that draw's
       accepting share, which varies around ACCEPT_SHARE (SD 0.013 for adults,
       0.02 for absence and youth hours, 0.06 for exam grades). With delta =
       TRUE_PARTICIPATION[k] the effects are applied so outcomes stay in range
       and, given the draw's units and latent factors, the mean expected effect
       over the accepting units of the sample is delta exactly (rates pooled over
       strata, so a small stratum never has to carry its own share: with
       per-stratum rates, stratum 1 can have a single accepting pupil with an
       exit exam):
         * ``shift``: y + delta (grades, trivsel; untreated values of everybody are
           drawn on a range shrunk by |delta|);
         * ``scale``: y * (1 + theta), theta = delta * m / sum(mu_i) over the m
           accepting units, mu_i = E[y_i | latent factors, covariates] (absence,
           hours, activation, employment expenditure); for social expenditure
           theta_s = delta / E[y | accepting family, stratum s], the population
           mean by quadrature (:func:`social_outcome_mean`), so the effect is
           delta in expectation over draws in every stratum;
         * ``flip``: binary outcomes flip 1→0 (delta < 0) or 0→1 (delta > 0) with
           probability q = |delta| m / sum(P(flippable)) (education, FP, fleksjob);
         * ``count``: extra Poisson notifications in accepting families, mean
           delta * 62 in total (drawn by inverse CDF, so the random stream does
           not depend on the effects; see :func:`generate`'s ``effects``).
       Every stratum carries its effect: over seeds 1-5000 the largest flip
       probabilities are 0.80 (førtidspension), 0.32 (education) and 0.17
       (fleksjob), scale factors lie in [-0.34, +1.24], and the social-expenditure
       factors are -0.68 / -0.68 / -0.65 (strata 1/2/3); a flip probability above 1
       or a scale factor at or below -1 raises ``RuntimeError``.
       Expenditures are generated as present values (2022 prices, discounted
       to June 2019 at 3.5 %, :mod:`analysis.costs`) and then spread over the
       39 months Jan 2020 – Mar 2023 as *nominal* monthly flows, so the report's
       present-value computation recovers them.
    6. Social expenditure (the one outcome the design could not carry as it
       was). The published ITT of -207.000 kr with take-up 62/132 means -441.000 kr
       per accepting family, but accepting families (low ``v``, Tabel A2) had an
       untreated outcome-window mean of only about 215.000 kr in version 1: no effect
       confined to them could produce the published ITT. The published means say
       the same: under Bloom's assumption, with a ≈ 0.47, offered mean 165 =
       a E(Y1|acc) + (1-a) E(Y0|decl) and an effect of -207 = a (E(Y1|acc) -
       E(Y0|acc)) (thousand kr) require E(Y0|acc) ≥ 207/a = 441 while
       E(Y0|decl) ≤ 165/(1-a) ≈ 311. Would-accept families therefore get a
       higher outcome-window level (``GA``, ``GL`` in ``_SOC``: untreated mean
       ≈ 650.000 kr against ≈ 200.000 kr for the others) while their 2018 costs
       stay low; the effect is about -2/3 of their untreated level. Arm means
       (SDs) stay close to version 1's: offered 206 (559), control 359 (1.051)
       thousand kr, against 189 (575) and 351 (989) (medians over seeds 1-200;
       published 165 (602) and 406 (1.363)).

Participation effect and what the report's Bloom estimator targets
    The report divides every ITT estimate by the *family* take-up 62/132
    (:data:`FAMILY_TAKE_UP`). For the family outcomes (notifications,
    expenditures) ACCEPT_SHARE is 62/132 exactly, and the estimator is unbiased for
    TRUE_PARTICIPATION. For person outcomes ITT = (share of accepting units in the
    sample) × (mean effect on them) holds whatever the effects are, so the
    estimator is unbiased for :data:`BLOOM_TARGET` = TRUE_ITT / (62/132) =
    TRUE_PARTICIPATION × ACCEPT_SHARE / (62/132), which overstates the true effect
    in size because accepting families are larger, by construction:

        outcomes                          ACCEPT_SHARE   BLOOM_TARGET / truth
        children and youth (5 outcomes)   0.492          +4.8 % (exam +4.7 %)
        adults' hours, activation         0.478          +1.7 %
        førtidspension, fleksjob          0.476          +1.3 %
        family outcomes (4)               62/132         0

    (Spec §4.2: the real data's person shares were 105/209, 107/208 and 124/256.)
    Choosing the per-unit effect instead so that ITT / (62/132) equals the truth
    is impossible while the ITT keeps its published value (it would need
    ACCEPT_SHARE = 62/132), so the ITT stays at the published value, the truth
    stays the effect on accepting units, and the gap is documented here and in
    ``meta.json`` (``true_participation``, ``accept_share``, ``bloom_target``).
    The gap is small beside the sampling error (the Bloom SE is 2.1 times the ITT
    SE: for school absence 0.11 against about 1.7); dividing a person-level ITT
    by the accepting share of its own sample would remove it.
    ``benchmarks/itt_coverage.py`` reports bias and coverage for both estimands
    (committed output ``benchmarks/itt_coverage.md``: 1.000 draws, seeds
    2001-3000). The ITT estimates of the twelve outcomes other than social and
    total expenditure are within 2 Monte Carlo SE of TRUE_ITT and cover 93-97 %.
    Social and total expenditure cover only 84 % and 87 % (mean SE / SD of the
    estimates 0.79 and 0.75): lognormal costs with the whole effect in the 62
    accepting families, which the sandwich SE understates; the report says so
    and adds the ITT on costs winsorised at the pooled 95th percentile, which
    covers its own truth in 93 % and 94 %. Their bias, from a run large enough
    to say (``benchmarks/itt_adjustment.md``: 5.000 draws, seeds 3001-8000,
    cost outcomes with and without the 2018 covariate, paired by draw): the
    adjusted ITT is +4.7 % and +4.9 % of the effect too small in size (MC SE 1.5
    and 2.6 %-points); the adjustment for the heavy-tailed 2018 level accounts
    for +3.4 % and +2.5 % of it (adjusted minus unadjusted, MC SE 0.7 and 1.2),
    the finite-sample bias of regression adjustment in an experiment of 223
    families (Freedman 2008); without it the bias is +1.3 % and +2.4 % (MC SE
    1.7 and 2.8). An earlier version of this docstring gave +11 % and +13 % on
    seeds 1001-2000 and put it mostly on the adjustment: that was mostly Monte
    Carlo noise (on 1.000 draws of costs this skewed the MC SE is about 3 and
    5 % of the effect; seeds 2001-3000 give +8.0 % and +3.9 %). The Bloom
    estimates are as close to BLOOM_TARGET as the ITT estimates to TRUE_ITT
    (the same numbers in MC SE); against the truth the person outcomes add the
    gap above (youth hours: bias +4.6 hours, of which the gap is +14.4 and
    sampling noise -9.8, -1.7 MC SE; school absence -0.13 percentage points, of
    which the gap is -0.11). Their coverage of the truth equals the ITT's for family
    outcomes (the family take-up is fixed by design, so treating it as known
    costs nothing here) and is 93-97 % for person outcomes.

Outputs of :func:`write`: ``families.csv``, ``persons.csv``,
``expenditure_flows.csv``, ``price_index.csv``, ``support_status.csv``,
``meta.json`` and ``codebook.md`` (every column documented from
:data:`COLUMNS`). Files are byte-identical for the same seed.

CLI: ``python -m analysis.synthetic.oto --out data/synthetic/oto [--seed N]``.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from analysis import costs
from analysis.synthetic.contract import Rule, contract_from_columns
from analysis.synthetic.files import (FileLayout, codebook_columns, csv_text, finalize, read_files,
                                      write_files)

GENERATOR_VERSION = "2.0.0"
#: Default seed. Chosen, and stated here openly, as the draw among seeds 1-400 whose 14 ITT
#: estimates lie closest to the published ones (smallest sum of squared distances in
#: published standard errors, all signs as published; :func:`choose_seed`), so the rebuilt
#: report reads like the original. Any other seed is an ordinary random draw from the same
#: DGP. (It was 137 under generator version 1, where the effects also acted on decliners.)
DEFAULT_SEED = 299

#: stratum -> (families, offered, accepted)
STRATA: dict[int, tuple[int, int, int]] = {1: (40, 24, 11), 2: (64, 38, 20), 3: (119, 70, 31)}
#: persons by family group
PERSONS = {"accept": 300, "decline": 317, "control": 435}

#: True ITT effects, in the units of the data files (0/1 outcomes as
#: proportions, expenditures in kr present value). They equal the published ITT
#: estimates; the total is social + employment (-207 + 78 = -129 thousand kr),
#: not the published -119, because effects on a sum add up.
TRUE_ITT: dict[str, float] = {
    "school_absence": -1.1,
    "exam_grade": -0.6,
    "trivsel": -0.1,
    "youth_hours": 148.0,
    "youth_su_edu": -0.11,
    "adult_hours_total": -22.0,
    "adult_hours_ordinary": -55.0,
    "activation_share": -0.01,
    "fp_apr2023": -0.05,
    "fleks_apr2023": 0.06,
    "notif_out": 0.7,
    "exp_social_out": -207_000.0,
    "exp_employ_out": 78_000.0,
    "exp_total_out": -129_000.0,
}
#: Take-up share used by the report's Bloom correction: accepting / offered *families*.
FAMILY_TAKE_UP = 62 / 132
#: Expected share of units of accepting families among the offered units of each outcome's
#: estimation sample: the mean over draws of (accepting units / offered units) with the outcome
#: observed. Family outcomes: 62/132 exactly (every family is in the sample). Person outcomes:
#: estimated by :func:`accepting_shares` (seeds 1-100000, rounded to 4 decimals; Monte Carlo SE
#: at most 0.0002); persons in accepting families are more numerous than the families' share
#: because accepting families are larger (300/617 = 0.486 of all offered persons).
ACCEPT_SHARE: dict[str, float] = {
    "school_absence": 0.4921,
    "exam_grade": 0.4919,
    "trivsel": 0.4921,
    "youth_hours": 0.4922,
    "youth_su_edu": 0.4921,
    "adult_hours_total": 0.4778,
    "adult_hours_ordinary": 0.4778,
    "activation_share": 0.4778,
    "fp_apr2023": 0.4759,
    "fleks_apr2023": 0.4756,
    "notif_out": FAMILY_TAKE_UP,
    "exp_social_out": FAMILY_TAKE_UP,
    "exp_employ_out": FAMILY_TAKE_UP,
    "exp_total_out": FAMILY_TAKE_UP,
}
#: True participation effects (effect on the treated): the mean effect on a unit of an accepting
#: family, in data units. The generator applies exactly these to the accepting units and nothing
#: to anybody else, so E(ITT) = ACCEPT_SHARE * TRUE_PARTICIPATION = TRUE_ITT.
TRUE_PARTICIPATION: dict[str, float] = {k: TRUE_ITT[k] / ACCEPT_SHARE[k] for k in TRUE_ITT}
#: What the report's Bloom estimator (ITT estimate / FAMILY_TAKE_UP) estimates without bias.
BLOOM_TARGET: dict[str, float] = {k: TRUE_ITT[k] / FAMILY_TAKE_UP for k in TRUE_ITT}
#: Multiply a data-unit effect by this to get the published table's unit.
DISPLAY_SCALE = {k: 1.0 for k in TRUE_ITT} | {
    "youth_su_edu": 100.0, "fp_apr2023": 100.0, "fleks_apr2023": 100.0,
    "exp_social_out": 0.001, "exp_employ_out": 0.001, "exp_total_out": 0.001}

OUTCOME_WINDOW = ("2020-01", "2023-03")   # business case window (39 months = 3.25 years)
PV_START = costs.PROJECT_START            # discounting origin, June 2019
BASE_YEAR = costs.BASE_YEAR
#: Illustrative annual consumer-price-type index, 2022 = 100 (synthetic, roughly
#: the Danish path; not an official series).
PRICE_INDEX = {2018: 90.2, 2019: 90.9, 2020: 91.3, 2021: 93.0, 2022: 100.0, 2023: 103.3}

#: mean of the latent social factor v by type (1 = would accept); sd 1
V_MEAN = {1: -0.40, 0: 0.35}
# social-expenditure outcome model (present value, kr, untreated):
#   P(any) = expit(A + B*v + C*[base>0] + D*[stratum 3] + GA*complier),
#   amount = exp(log(SCALE) + LVL_V*v + LVL_Z*z + GL*complier + SD*e); 2018: P(any) = expit(BA + BB*v).
# GA and GL give compliers a high outcome-window level despite their low v (see the module
# docstring, "Social expenditure"): about 650.000 kr against 200.000 kr for the other families.
_SOC = {"A": -0.6, "B": 1.2, "C": 2.0, "D": 0.2, "SCALE": 51_000.0, "LVL_V": 0.9, "LVL_Z": 1.1, "SD": 0.8,
        "BA": -1.7, "BB": 1.4, "GA": 0.8, "GL": 1.93}

SNAPSHOTS = ("2021-03", "2022-02", "2023-02")
STATUSES = ("fulltime", "flexjob", "parttime_15_25", "smalljob_lt15", "education",
            "disability_pension", "resource_course", "other")

# ---------------------------------------------------------------------------
# Column documentation: the single source of SCHEMA, NULLABLE, DECIMALS and the
# codebook. (column, kind, decimals, nullable, unit, window, meaning)
# ---------------------------------------------------------------------------
COLUMNS: dict[str, list[tuple]] = {
    "families": [
        ("family_id", "int", None, False, "id", "June 2019", "Family (household = address in June 2019), 1..223"),
        ("stratum", "int", None, False, "1/2/3", "June 2019", "Randomisation stratum (trial protocol): 1 = Gellerup/Toveshøj, ≥12 months on benefit; 2 = 1–5 years; 3 = ≥5 years"),
        ("area", "str", None, False, "category", "June 2019", "Housing area: Gellerup, Toveshøj or Skovgårdsparken (stratum 1 only Gellerup/Toveshøj)"),
        ("years_on_benefit", "float", 2, False, "years", "until June 2019", "Longest continuous spell on kontanthjælpslignende ydelse among the members"),
        ("offer", "bool01", None, False, "0/1", "June 2019", "1 = family offered OtO (randomised within stratum)"),
        ("accept", "bool01", None, False, "0/1", "2019–", "1 = offered and accepted (participating family); 0 = declined or control"),
        ("family_size", "int", None, False, "persons", "June 2019", "Number of residents"),
        ("n_adults", "int", None, False, "persons", "June 2019", "Residents aged 19 or more"),
        ("n_children_le18", "int", None, False, "persons", "June 2019", "Residents aged 18 or less"),
        ("notif_base", "int", None, False, "count", "Jun 2018 – Jun 2019", "Underretninger (notifications of concern) about the family's children"),
        ("notif_out", "int", None, False, "count", "Aug 2019 – Apr 2023", "Underretninger, outcome window (Tabel 3 'Antal underretninger')"),
        ("exp_social_2018", "float", 2, False, "kr, nominal 2018", "2018", "Municipal expenditure, social area (footnote 5 items)"),
        ("exp_employ_2018", "float", 2, False, "kr, nominal 2018", "2018", "Municipal expenditure, employment area (footnote 6 items)"),
        ("exp_total_2018", "float", 2, False, "kr, nominal 2018", "2018", "exp_social_2018 + exp_employ_2018"),
    ],
    "persons": [
        ("person_id", "int", None, False, "id", "June 2019", "Person, 1..1052, sorted by family and age"),
        ("family_id", "int", None, False, "id", "June 2019", "Family (see families.csv)"),
        ("stratum", "int", None, False, "1/2/3", "June 2019", "Family's stratum"),
        ("offer", "bool01", None, False, "0/1", "June 2019", "Family offered OtO"),
        ("accept", "bool01", None, False, "0/1", "2019–", "Family accepted (0 for control)"),
        ("age_2019", "int", None, False, "years", "June 2019", "Age in 2019 (0–68)"),
        ("female", "bool01", None, False, "0/1", "", "1 = woman/girl"),
        ("origin", "str", None, False, "category", "", "Herkomst: dansk, efterkommer or indvandrer"),
        ("is_adult", "bool01", None, False, "0/1", "2019", "Aged 19–68 in 2019 (Tabel 3 adults)"),
        ("is_youth", "bool01", None, False, "0/1", "2019", "Aged 9–18 in 2019 (Tabel 2 youth)"),
        ("in_school_window", "bool01", None, False, "0/1", "Aug 2019 – Apr 2023", "In 0.–9. klasse at some point in the window (aged 3–15 in 2019)"),
        ("school_absence_base", "float", 3, True, "% of school days", "spring 2019", "School absence; missing if not yet in school"),
        ("school_absence", "float", 3, True, "% of school days", "Aug 2019 – Apr 2023", "School absence (outcome); missing if not in_school_window"),
        ("exam_year", "int", None, True, "year", "2020–2022", "Year of the 9th-grade exit exam (missing if none in 2020–22)"),
        ("exam_grade", "float", 2, True, "7-point scale (-3..12)", "summer 2020–2022", "Average exit-exam grade (outcome)"),
        ("exam_grade_base", "float", 2, True, "7-point scale (-3..12)", "summer 2019", "Exit-exam grade of the 2019 cohort (balance only)"),
        ("responded_trivsel", "bool01", None, True, "0/1", "spring 2020–2022", "Answered the national well-being survey at least once; missing if not in_school_window"),
        ("trivsel_base", "float", 2, True, "score 0–10", "spring 2019", "Well-being score; missing if no answer"),
        ("trivsel", "float", 2, True, "score 0–10", "spring 2020–2022", "Mean well-being score over answered surveys (outcome)"),
        ("youth_hours_base", "float", 1, True, "hours", "Jun 2018 – Jun 2019", "Paid hours (eIndkomst); missing if not is_youth"),
        ("youth_hours", "float", 1, True, "hours", "Aug 2019 – Feb 2023", "Paid hours, youth (outcome); missing if not is_youth"),
        ("youth_su_eligible", "bool01", None, True, "0/1", "by Apr 2023", "Youth who turn 18 in the window (aged 14–18 in 2019); missing if not is_youth"),
        ("youth_edu_base", "bool01", None, True, "0/1", "June 2019", "Enrolled in SU-eligible education; missing if not SU-eligible"),
        ("youth_su_edu", "bool01", None, True, "0/1", "Aug 2019 – Apr 2023", "Ever enrolled in SU-eligible education (outcome); missing if not SU-eligible"),
        ("adult_hours_base", "float", 1, True, "hours", "Jun 2018 – Jun 2019", "Paid hours; missing if not is_adult"),
        ("adult_hours_total", "float", 1, True, "hours", "Aug 2019 – Feb 2023", "Paid hours, all jobs (outcome); = ordinary + subsidised"),
        ("adult_hours_ordinary", "float", 1, True, "hours", "Aug 2019 – Feb 2023", "Paid hours excluding wage subsidy (løntilskud) and fleksjob (outcome)"),
        ("activation_base", "float", 4, True, "share 0–1", "2018–2019", "Aktiveringsgrad before randomisation"),
        ("activation_share", "float", 4, True, "share 0–1", "Aug 2019 – Apr 2023", "Aktiveringsgrad: share of time on kontanthjælpslignende ydelse in active offers (outcome)"),
        ("fp_base", "bool01", None, True, "0/1", "before 2019", "On førtidspension at the start; missing if not is_adult"),
        ("fleks_base", "bool01", None, True, "0/1", "before 2019", "In fleksjob at the start; missing if not is_adult"),
        ("ledig_base", "bool01", None, True, "0/1", "before 2019", "On ledighedsydelse at the start; missing if not is_adult"),
        ("fp_apr2023", "bool01", None, True, "0/1", "start of Apr 2023", "On førtidspension (outcome); missing unless is_adult and fp_base = 0 (the estimation sample)"),
        ("fleks_apr2023", "bool01", None, True, "0/1", "start of Apr 2023", "In fleksjob or on ledighedsydelse (outcome); missing unless is_adult and fp_base = fleks_base = ledig_base = 0"),
    ],
    "expenditure_flows": [
        ("family_id", "int", None, False, "id", "", "Family"),
        ("area", "str", None, False, "category", "", "'social' (footnote 5) or 'employment' (footnote 6)"),
        ("month", "str", None, False, "YYYY-MM", "Jan 2020 – Mar 2023", "Calendar month of the payment"),
        ("amount", "float", 2, False, "kr, nominal (prices of the payment year)", "", "Municipal expenditure on the family in that month and area (complete panel; 0 = none)"),
    ],
    "price_index": [
        ("year", "int", None, False, "year", "", "Calendar year"),
        ("index", "float", 2, False, "2022 = 100", "", "Annual price index (synthetic); real = nominal × index[2022] / index[year]"),
    ],
    "support_status": [
        ("person_id", "int", None, False, "id", "", "Member of an accepting family (all 300)"),
        ("family_id", "int", None, False, "id", "", "Family"),
        ("period", "str", None, False, "YYYY-MM or 'ever'", "Jun 2019 – Feb 2023", "Snapshot month (2021-03, 2022-02, 2023-02): one row per person; 'ever': one row per status held at least once in Jun 2019 – Feb 2023 ('other' only if none)"),
        ("status", "str", None, False, "category", "", "Forsørgelsesgrundlag (DREAM): fulltime = Fuldtidsbeskæftigede; flexjob = Fleksjob; parttime_15_25 = Deltid (15-25 timer); smalljob_lt15 = Småjob (<15 timer); education = Ordinær uddannelse; disability_pension = Førtidspension; resource_course = Ressourceforløb; other = none of these"),
    ],
}
SCHEMA: dict[str, dict[str, str]] = {stem: {c[0]: c[1] for c in cols} for stem, cols in COLUMNS.items()}
NULLABLE: dict[str, set[str]] = {stem: {c[0] for c in cols if c[3]} for stem, cols in COLUMNS.items()}
DECIMALS: dict[str, dict[str, int]] = {stem: {c[0]: c[2] for c in cols if c[2] is not None}
                                      for stem, cols in COLUMNS.items()}
SORT_KEYS = {"families": ["family_id"], "persons": ["person_id"],
             "expenditure_flows": ["family_id", "area", "month"], "price_index": ["year"],
             "support_status": ["person_id", "period", "status"]}
LAYOUTS: dict[str, FileLayout] = {stem: FileLayout(SCHEMA[stem], frozenset(NULLABLE[stem]),
                                                  DECIMALS[stem], tuple(SORT_KEYS[stem]))
                                   for stem in SCHEMA}
#: What files in place of these (register data too) must hold; checked on reading
#: (evalreport.author.data.read_dataset) and written into codebook.md.
CONTRACT = contract_from_columns(
    "oto", COLUMNS,
    keys={"families": ["family_id"], "persons": ["person_id"],
          "expenditure_flows": ["family_id", "area", "month"], "price_index": ["year"],
          "support_status": ["person_id", "period", "status"]},
    rules={"families.stratum": Rule(values=(1, 2, 3)),
           "families.area": Rule(values=("Gellerup", "Toveshøj", "Skovgårdsparken")),
           "families.years_on_benefit": Rule(min=0),
           "families.family_size": Rule(min=1), "families.n_adults": Rule(min=0),
           "families.n_children_le18": Rule(min=0),
           "families.notif_*": Rule(min=0), "families.exp_*": Rule(min=0),
           "persons.stratum": Rule(values=(1, 2, 3)), "persons.age_2019": Rule(min=0, max=120),
           "persons.origin": Rule(values=("dansk", "efterkommer", "indvandrer")),
           "persons.school_absence*": Rule(min=0, max=100), "persons.exam_year": Rule(min=2000, max=2030),
           "persons.exam_grade*": Rule(min=-3, max=12), "persons.trivsel*": Rule(min=0, max=10),
           "persons.*_hours*": Rule(min=0), "persons.activation_*": Rule(min=0, max=1),
           "expenditure_flows.area": Rule(values=("social", "employment")),
           "expenditure_flows.month": Rule(pattern=r"\d{4}-(0[1-9]|1[0-2])"),
           "price_index.index": Rule(min=0.01),
           "support_status.period": Rule(pattern=r"\d{4}-(0[1-9]|1[0-2])|ever"),
           "support_status.status": Rule(values=STATUSES)},
    references={"persons.family_id": "families.family_id",
                "expenditure_flows.family_id": "families.family_id",
                "support_status.person_id": "persons.person_id",
                "support_status.family_id": "families.family_id"},
)


@dataclass
class OtoData:
    families: pd.DataFrame
    persons: pd.DataFrame
    expenditure_flows: pd.DataFrame
    price_index: pd.DataFrame
    support_status: pd.DataFrame
    meta: dict = field(default_factory=dict)

    def frames(self) -> dict[str, pd.DataFrame]:
        return {stem: getattr(self, stem) for stem in COLUMNS}

    def price_index_map(self) -> dict[int, float]:
        return dict(zip(self.price_index["year"].astype(int), self.price_index["index"].astype(float)))


# ---------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------
def _expit(x):
    return 1.0 / (1.0 + np.exp(-x))


def _beta(rng, mean, phi):
    mean = np.clip(mean, 1e-6, 1 - 1e-6)
    return rng.beta(mean * phi, (1 - mean) * phi)


def _fix_total(rng, sizes: np.ndarray, target: int, minimum: int = 2) -> np.ndarray:
    """Adjust integer sizes by ±1 steps, at random units, to sum exactly to ``target``."""
    sizes = sizes.copy()
    d = int(target - sizes.sum())
    if d > 0:
        np.add.at(sizes, rng.choice(len(sizes), size=d), 1)
    elif d < 0:
        units = np.repeat(np.arange(len(sizes)), sizes - minimum)
        if len(units) < -d:
            raise RuntimeError("cannot reach the family-size total")
        np.subtract.at(sizes, rng.choice(units, size=-d, replace=False), 1)
    return sizes


def _scale_effect(y0, mu, units, delta, upper=None):
    """y * (1 + theta) on ``units`` (the accepting units of the outcome sample), with
    theta = delta * m / sum(mu[units]) over those m units: given the latent factors and
    covariates, the mean expected effect over the accepting units is ``delta`` exactly."""
    y = y0.copy()
    if units.any():
        theta = delta * units.sum() / mu[units].sum()
        if theta <= -1:
            raise RuntimeError("scale effect larger than the outcome level")
        y[units] = y0[units] * (1.0 + theta)
    if upper is not None and np.nanmax(y) > upper + 1e-9:
        raise RuntimeError("scale effect pushes the outcome above its upper bound")
    return y


def _flip_probability(p_flippable, units, delta) -> float:
    """q = |delta| m / sum(P(flippable)) over the m accepting units: E[effect] = delta exactly."""
    if not units.any():
        return 0.0
    q = abs(delta) * units.sum() / p_flippable[units].sum()
    if q > 1:
        raise RuntimeError("flip probability above 1")
    return float(q)


def _flip_effect(rng, y0, p_flippable, units, delta):
    """Binary: flip 1->0 (delta<0) or 0->1 (delta>0) w.p. q among ``units`` (see _flip_probability)."""
    y = y0.copy()
    u = rng.random(len(y0))
    src = 1 if delta < 0 else 0
    q = _flip_probability(p_flippable, units, delta)
    hit = units & (y0 == src) & (u < q)
    y[hit] = 1 - src
    return y


# ---------------------------------------------------------------------------
# the DGP
# ---------------------------------------------------------------------------
def generate(seed: int = DEFAULT_SEED, effects: dict[str, float] | None = None) -> OtoData:
    """Draw one synthetic OtO data set (vectorised numpy; a few ms).

    ``effects`` (default :data:`TRUE_PARTICIPATION`) are the mean effects on units of accepting
    families. The random stream does not depend on them, so ``effects={k: 0.0 for k in
    TRUE_ITT}`` gives the untreated outcomes of the very same draw: every row outside the
    accepting families is then identical (the tests use this to check that declining has no
    effect). Shift effects (exam grade, trivsel) must lie between 0 and their true value,
    because the untreated range is shrunk by the true value. ``exp_total_out`` and
    ``adult_hours_total`` follow from their parts (the social and employment effects;
    ordinary hours plus subsidised hours = total - ordinary)."""
    eff = dict(TRUE_PARTICIPATION) if effects is None else {**{k: 0.0 for k in TRUE_ITT}, **effects}
    for k in ("exam_grade", "trivsel"):
        if not min(0.0, TRUE_PARTICIPATION[k]) <= eff[k] <= max(0.0, TRUE_PARTICIPATION[k]):
            raise ValueError(f"effects[{k!r}] must lie between 0 and {TRUE_PARTICIPATION[k]:g}")
    rng = np.random.default_rng(seed)
    fam = _families(rng)
    per = _persons(rng, fam)
    _child_outcomes(rng, fam, per, eff)
    _youth_outcomes(rng, fam, per, eff)
    _adult_outcomes(rng, fam, per, eff)
    flows = _family_outcomes(rng, fam, eff)
    support = _support_status(rng, per)

    families = pd.DataFrame({k: fam[k] for k in SCHEMA["families"]})
    persons = pd.DataFrame({k: per[k] for k in SCHEMA["persons"]})
    price_index = pd.DataFrame({"year": list(PRICE_INDEX), "index": list(PRICE_INDEX.values())})
    meta = {
        "dataset": "oto",
        "generator": "analysis.synthetic.oto",
        "generator_version": GENERATOR_VERSION,
        "seed": int(seed),
        "synthetic": True,
        "true_itt": dict(TRUE_ITT),
        "true_participation": dict(TRUE_PARTICIPATION),
        "accept_share": dict(ACCEPT_SHARE),
        "bloom_target": dict(BLOOM_TARGET),
        "display_scale": dict(DISPLAY_SCALE),
        "take_up": {"accepted": 62, "offered": 132},
        "pv_conventions": {"base_year": BASE_YEAR, "rate": costs.DISCOUNT_RATE, "start": PV_START,
                           "window": list(OUTCOME_WINDOW)},
        "effect_on": ("units of accepting families only: being offered and declining has no effect "
                      "(Bloom's identifying assumption holds). Mean effect on an accepting unit = "
                      "true_participation; E(ITT) = accept_share * true_participation = true_itt. "
                      "The report's Bloom estimate (ITT / 62/132) is unbiased for bloom_target, "
                      "which equals true_participation for family outcomes and exceeds it in size "
                      "by accept_share / (62/132) - 1 (1.3-4.8 %) for person outcomes."),
    }
    frames = {"families": families, "persons": persons, "expenditure_flows": flows,
              "price_index": price_index, "support_status": support}
    frames = {stem: _finalize(stem, df) for stem, df in frames.items()}
    return OtoData(meta=meta, **frames)


def accepting_shares(draws: int = 20_000, first_seed: int = 1) -> pd.DataFrame:
    """Monte Carlo estimate of :data:`ACCEPT_SHARE` for the person outcomes.

    For seeds ``first_seed``.. it draws the design and the person outcomes (the samples do not
    depend on the effects) and records, per outcome, accepting units / offered units among the
    units with the outcome observed. Returns one row per person outcome: ``share`` (mean over
    draws), ``mc_se``, ``sd``, ``min`` and ``max``. About 2 ms a draw."""
    outcomes = [k for k, v in ITT_SPECS.items() if v["unit"] == "person"]
    shares = np.empty((draws, len(outcomes)))
    for i in range(draws):
        rng = np.random.default_rng(first_seed + i)
        fam = _families(rng)
        per = _persons(rng, fam)
        _child_outcomes(rng, fam, per, TRUE_PARTICIPATION)
        _youth_outcomes(rng, fam, per, TRUE_PARTICIPATION)
        _adult_outcomes(rng, fam, per, TRUE_PARTICIPATION)
        off, acc = per["offer"] == 1, per["accept"] == 1
        for j, k in enumerate(outcomes):
            obs = ~np.isnan(per[k])
            shares[i, j] = (obs & acc).sum() / (obs & off).sum()
    sd = shares.std(axis=0, ddof=1)
    return pd.DataFrame({"share": shares.mean(axis=0), "mc_se": sd / np.sqrt(draws), "sd": sd,
                         "min": shares.min(axis=0), "max": shares.max(axis=0)}, index=outcomes)


def _families(rng) -> dict:
    n = sum(v[0] for v in STRATA.values())
    strata = rng.permutation(np.repeat(list(STRATA), [v[0] for v in STRATA.values()]))
    offer = np.zeros(n, int)
    complier = np.zeros(n, int)
    for s, (n_s, n_off, n_acc) in STRATA.items():
        idx = rng.permutation(np.flatnonzero(strata == s))
        off, ctl = idx[:n_off], idx[n_off:]
        offer[off] = 1
        complier[off[:n_acc]] = 1  # idx is a random order: the first n_acc offered comply
        k_ctl = rng.binomial(len(ctl), n_acc / n_off)
        complier[ctl[:k_ctl]] = 1
    accept = offer * complier

    # family size: 2 + Poisson by type, then exact totals per group
    size = 2 + rng.poisson(np.where(complier == 1, 2.85, 2.55))
    groups = {"accept": (offer == 1) & (accept == 1), "decline": (offer == 1) & (accept == 0),
              "control": offer == 0}
    for g, m in groups.items():
        size[m] = _fix_total(rng, size[m], PERSONS[g])

    # latent factors (see module docstring)
    v = rng.normal(np.where(complier == 1, V_MEAN[1], V_MEAN[0]), 1.0)
    u = rng.normal(np.where(complier == 1, 0.10, -0.09) + np.select(
        [strata == 1, strata == 2], [-0.15, -0.30], 0.25), 1.0)
    area = np.where(
        strata == 1, np.where(rng.random(n) < 0.6, "Gellerup", "Toveshøj"),
        rng.choice(np.array(["Gellerup", "Toveshøj", "Skovgårdsparken"]), size=n, p=[0.45, 0.25, 0.30]))
    years = np.select([strata == 1, strata == 2],
                      [1.0 + rng.exponential(4.0, n), rng.uniform(1.0, 5.0, n)], 5.0 + rng.exponential(5.0, n))
    return {"family_id": np.arange(1, n + 1), "stratum": strata, "area": area, "years_on_benefit": years,
            "offer": offer, "accept": accept, "complier": complier, "family_size": size, "v": v, "u": u}


def _persons(rng, fam) -> dict:
    size = fam["family_size"]
    nf = len(size)
    # adults: a parent, a partner w.p. 0.78, adult children in large families
    extra = rng.binomial(np.maximum(size - 4, 0), 0.2)
    n_ad = np.minimum(1 + (rng.random(nf) < 0.78) + extra, size - 1)
    fam["n_adults"] = n_ad
    fam["n_children_le18"] = size - n_ad
    fid = np.repeat(np.arange(nf), size)
    pos = np.arange(len(fid)) - np.repeat(np.cumsum(size) - size, size)  # position within family
    n_ad_p = n_ad[fid]
    parent_age = np.clip(np.rint(rng.normal(45.0, 9.0, nf)), 24, 66).astype(int)
    age = np.empty(len(fid), int)
    is_p1 = pos == 0
    is_p2 = (pos == 1) & (n_ad_p >= 2)
    is_xa = (pos >= 2) & (pos < n_ad_p)
    is_ch = pos >= n_ad_p
    age[is_p1] = parent_age[fid[is_p1]]
    age[is_p2] = np.clip(parent_age[fid[is_p2]] + np.rint(rng.normal(1.0, 5.0, is_p2.sum())), 19, 68)
    age[is_xa] = rng.integers(19, 27, is_xa.sum())
    w = np.r_[np.full(9, 1.0), np.full(10, 1.45)]
    ch_age = rng.choice(19, size=is_ch.sum(), p=w / w.sum())
    age[is_ch] = np.minimum(ch_age, parent_age[fid[is_ch]] - 17)
    adult = age >= 19
    female = (rng.random(len(fid)) < np.where(adult, 0.60, 0.51)).astype(int)
    danish_fam = rng.random(nf) < 0.08
    p_imm = np.where(adult, 0.80, 0.02 + 0.008 * age)
    origin = np.where(danish_fam[fid], "dansk",
                      np.where(rng.random(len(fid)) < p_imm, "indvandrer", "efterkommer"))
    # sort persons within family by age (oldest first) and number them
    order = np.lexsort((-age, fid))
    per = {"family_idx": fid[order], "age_2019": age[order], "female": female[order], "origin": origin[order]}
    fi = per["family_idx"]
    per["person_id"] = np.arange(1, len(fi) + 1)
    for k in ("family_id", "stratum", "offer", "accept"):
        per[k] = fam[k][fi]
    a = per["age_2019"]
    per["is_adult"] = ((a >= 19) & (a <= 68)).astype(int)
    per["is_youth"] = ((a >= 9) & (a <= 18)).astype(int)
    per["in_school_window"] = ((a >= 3) & (a <= 15)).astype(int)
    return per


def _child_outcomes(rng, fam, per, eff):
    n = len(per["person_id"])
    fi, a, st, acc = per["family_idx"], per["age_2019"], per["stratum"], per["accept"] == 1
    v, fe = fam["v"][fi], per["female"]
    imm = (per["origin"] == "indvandrer").astype(float)
    school = per["in_school_window"] == 1

    # --- school absence (%), Beta around a logistic mean; base only if already in school in spring 2019
    re_f = rng.normal(0, 0.35, len(fam["v"]))[fi]
    eta = 0.30 * v + re_f + rng.normal(0, 0.35, n) + 0.03 * (a - 9) + 0.08 * (st == 3)
    base_obs = school & (a >= 6) & (rng.random(n) < 0.97)
    per["school_absence_base"] = np.where(base_obs, 100 * _beta(rng, _expit(-2.55 + eta), 14.0), np.nan)
    mu = _expit(-2.42 + eta)
    y0 = np.where(school, 100 * _beta(rng, mu, 22.0), np.nan)
    per["school_absence"] = np.where(school, _scale_effect(y0, 100 * mu, acc & school,
                                                           eff["school_absence"], upper=100), np.nan)

    # --- exit-exam grades (7-point scale average), 2020-22 outcome cohorts and the 2019 cohort
    ability = -0.45 * v + rng.normal(0, 0.55, len(fam["v"]))[fi] + rng.normal(0, 1.9, n)
    grade_mu = 5.0 + ability + 0.45 * fe - 0.35 * imm - 0.2 * (st == 3)
    tau, tau_max = eff["exam_grade"], TRUE_PARTICIPATION["exam_grade"]
    exam = (a >= 13) & (a <= 15) & (rng.random(n) < 0.95)
    g0 = np.clip(grade_mu, -3 - min(tau_max, 0), 12 - max(tau_max, 0))
    per["exam_year"] = np.where(exam, 2020 + (15 - a), np.nan)
    per["exam_grade"] = np.where(exam, g0 + tau * acc, np.nan)
    base_exam = (a == 16) & (rng.random(n) < 0.55)
    per["exam_grade_base"] = np.where(base_exam, np.clip(grade_mu, -3, 12), np.nan)

    # --- trivsel (0-10); about half answer at least once in 2020-22, ~28 % in spring 2019
    tau, tau_max = eff["trivsel"], TRUE_PARTICIPATION["trivsel"]
    well = 1.35 - 0.25 * v + rng.normal(0, 0.3, len(fam["v"]))[fi] + rng.normal(0, 0.45, n) - 0.02 * (a - 9)
    resp = school & (a >= 4) & (rng.random(n) < 0.55)
    per["responded_trivsel"] = np.where(school, resp.astype(float), np.nan)
    lo = -min(tau_max, 0)
    t0 = lo + (10 - lo - max(tau_max, 0)) * _beta(rng, _expit(well), 6.0)
    per["trivsel"] = np.where(resp, t0 + tau * acc, np.nan)
    resp0 = school & (a >= 6) & (rng.random(n) < 0.28)
    per["trivsel_base"] = np.where(resp0, 10 * _beta(rng, _expit(well - 0.2), 7.0), np.nan)


def _youth_outcomes(rng, fam, per, eff):
    n = len(per["person_id"])
    fi, a, acc = per["family_idx"], per["age_2019"], per["accept"] == 1
    u, v, fe = fam["u"][fi], fam["v"][fi], per["female"]
    youth = per["is_youth"] == 1
    nfam = len(fam["u"])

    # --- hours (hurdle: logistic participation x lognormal amount)
    p_b = _expit(-4.6 + 0.62 * (a - 9) - 0.3 * u)
    h_b = np.where(rng.random(n) < p_b, np.exp(5.2 + 0.9 * rng.normal(size=n)), 0.0)
    re = rng.normal(0, 0.6, nfam)[fi]
    p = _expit(-0.75 + 0.42 * (a - 13) - 0.35 * u + 1.1 * (h_b > 0) + re)
    m, s = 5.9 + 0.20 * (a - 13) + 0.10 * np.log1p(h_b) - 0.2 * u, 0.6
    y0 = np.where(rng.random(n) < p, np.exp(m + s * rng.normal(size=n)), 0.0)
    mu = p * np.exp(m + s * s / 2)
    per["youth_hours_base"] = np.where(youth, h_b, np.nan)
    per["youth_hours"] = np.where(youth, _scale_effect(y0, mu, acc & youth, eff["youth_hours"]), np.nan)

    # --- SU-eligible education
    elig = youth & (a >= 14)
    edu_b = (rng.random(n) < _expit(-4.5 + 0.9 * (a - 14))).astype(float)
    p0 = _expit(1.1 + 1.5 * edu_b - 0.35 * u - 0.3 * v + 0.3 * fe + rng.normal(0, 0.6, nfam)[fi])
    e0 = (rng.random(n) < p0).astype(float)
    e1 = _flip_effect(rng, e0, p0, acc & elig, eff["youth_su_edu"])
    per["youth_su_eligible"] = np.where(youth, elig.astype(float), np.nan)
    per["youth_edu_base"] = np.where(elig, edu_b, np.nan)
    per["youth_su_edu"] = np.where(elig, e1, np.nan)


def _adult_outcomes(rng, fam, per, eff):
    n = len(per["person_id"])
    fi, a, acc = per["family_idx"], per["age_2019"], per["accept"] == 1
    u = fam["u"][fi]
    adult = per["is_adult"] == 1
    nfam = len(fam["u"])
    imm = (per["origin"] == "indvandrer").astype(float)
    re = rng.normal(0, 0.5, nfam)[fi]

    # --- statuses at the start (mutually exclusive)
    fp_b = rng.random(n) < _expit(-2.4 + 0.08 * (a - 40) + 0.5 * u)
    fl_b = ~fp_b & (rng.random(n) < _expit(-3.1 + 0.03 * (a - 40) + 0.2 * u))
    lg_b = ~fp_b & ~fl_b & (rng.random(n) < 0.02)

    # --- hours: ordinary (hurdle) + subsidised/fleksjob hours
    # hours as a share of full time (1.700 h a year): Beta shares, hurdle for any work
    p_hb = _expit(-1.25 - 0.8 * u - 0.03 * np.maximum(a - 45, 0) + 0.6 * re) * ~fp_b
    sh_b = _beta(rng, _expit(-0.2 - 0.3 * u + 0.5 * re), 2.5)
    h_b = np.where(rng.random(n) < p_hb, 1700.0 * sh_b, 0.0)
    p_o = _expit(-1.05 - 0.8 * u + 2.6 * (h_b > 0) - 0.04 * np.maximum(a - 45, 0) - 0.3 * imm + re) * ~fp_b
    m_o = _expit(-0.45 + 2.0 * (sh_b - 0.45) * (h_b > 0) - 0.3 * u)
    ord0 = np.where(rng.random(n) < p_o, 6000.0 * _beta(rng, m_o, 3.0), 0.0)
    mu_o = p_o * 6000.0 * m_o
    p_s = np.where(fl_b, 0.85, 0.06) * ~fp_b
    sub0 = np.where(rng.random(n) < p_s, 6000.0 * _beta(rng, 0.2, 3.0), 0.0)
    mu_s = p_s * 6000.0 * 0.2
    t_o, t_tot = eff["adult_hours_ordinary"], eff["adult_hours_total"]
    ord1 = _scale_effect(ord0, mu_o, acc & adult, t_o)
    sub1 = _scale_effect(sub0, mu_s, acc & adult, t_tot - t_o)
    per["adult_hours_base"] = np.where(adult, h_b, np.nan)
    ord1 = np.round(ord1, 1)
    sub1 = np.round(sub1, 1)
    per["adult_hours_ordinary"] = np.where(adult, ord1, np.nan)
    per["adult_hours_total"] = np.where(adult, ord1 + sub1, np.nan)

    # --- activation share (U-shaped before, smoother after)
    lat = 0.5 * u + 1.6 * re + rng.normal(0, 0.3, n)
    act_b = _beta(rng, _expit(-0.62 + lat), 0.3)
    mu_a = _expit(-0.95 + 0.5 * (act_b - 0.35) + 0.6 * lat)
    act0 = _beta(rng, mu_a, 2.2)
    per["activation_base"] = np.where(adult, act_b, np.nan)
    per["activation_share"] = np.where(adult, _scale_effect(act0, mu_a, acc & adult,
                                                           eff["activation_share"], upper=1.0), np.nan)

    # --- status at start of April 2023 among those not on FP at the start:
    #     categorical {FP, fleksjob/ledighedsydelse, neither}
    lf = -1.75 + 0.06 * (a - 40) + 0.8 * u + 0.6 * re
    ll = -2.05 + 0.4 * u + 0.5 * re + 2.8 * (fl_b | lg_b)
    den = 1 + np.exp(lf) + np.exp(ll)
    p_fp, p_fl = np.exp(lf) / den, np.exp(ll) / den
    r = rng.random(n)
    fp0 = (r < p_fp).astype(float)
    fl0 = ((r >= p_fp) & (r < p_fp + p_fl)).astype(float)
    fp_s = adult & ~fp_b
    fl_s = fp_s & ~fl_b & ~lg_b
    tau_fp, tau_fl = eff["fp_apr2023"], eff["fleks_apr2023"]
    fp1 = _flip_effect(rng, fp0, p_fp, acc & fp_s, tau_fp)
    # after the FP flips, 'neither' has probability 1 - p_fp - p_fl + p_fp * q_fp for an accepting
    # unit; fleks flips 0 -> 1 only among 'neither', with q chosen from that probability so that
    # E[effect] = tau_fl exactly over the accepting units of the fleks sample (a subset of fp_s)
    q_fp = _flip_probability(p_fp, acc & fp_s, tau_fp)
    neither = (fp1 == 0) & (fl0 == 0)
    p_neither = 1 - p_fp - p_fl + p_fp * q_fp
    fl1 = fl0.copy()
    uu = rng.random(n)
    q = _flip_probability(p_neither, acc & fl_s, tau_fl)
    fl1[acc & fl_s & neither & (uu < q)] = 1
    per["fp_base"] = np.where(adult, fp_b.astype(float), np.nan)
    per["fleks_base"] = np.where(adult, fl_b.astype(float), np.nan)
    per["ledig_base"] = np.where(adult, lg_b.astype(float), np.nan)
    per["fp_apr2023"] = np.where(fp_s, fp1, np.nan)
    per["fleks_apr2023"] = np.where(fl_s, fl1, np.nan)


def social_outcome_mean(stratum: int, complier: int) -> float:
    """Population mean of the untreated social-expenditure present value (kr) of a family of
    type ``complier`` (1 = would accept) in ``stratum``, by Gauss-Hermite quadrature over the
    latent factor v ~ N(V_MEAN[type], 1) and the 2018 any-expenditure indicator."""
    c = _SOC
    x, w = np.polynomial.hermite_e.hermegauss(80)
    w = w / w.sum()
    s3 = float(stratum == 3)
    v = V_MEAN[complier] + x
    pb = _expit(c["BA"] + c["BB"] * v)
    lin = c["A"] + c["B"] * v + c["D"] * s3 + c["GA"] * complier
    p = pb * _expit(lin + c["C"]) + (1 - pb) * _expit(lin)
    amount = c["SCALE"] * np.exp(c["LVL_V"] * v + c["GL"] * complier + (c["LVL_Z"] ** 2 + c["SD"] ** 2) / 2)
    return float(np.sum(w * p * amount))


def _family_outcomes(rng, fam, eff) -> pd.DataFrame:
    nf = len(fam["v"])
    v, u, st, acc = fam["v"], fam["u"], fam["stratum"], fam["accept"] == 1
    cpl = fam["complier"]
    s3 = (st == 3).astype(float)

    # --- notifications (negative binomial = Poisson-Gamma)
    lvl = 1.35 * v + 0.5 * rng.normal(size=nf)   # persistent family rate (log scale)
    nb = rng.poisson(np.exp(-1.6 + lvl) * rng.gamma(2.0, 1 / 2.0, nf))
    mu_n = np.exp(0.1 + lvl + 0.1 * s3)
    n0 = rng.poisson(mu_n * rng.gamma(6.0, 1 / 6.0, nf))
    # extra notifications only in accepting families, mean eff * 62 in total; drawn by inverse
    # CDF from one uniform per family, so the random stream does not depend on the effect
    extra = np.where(acc, eff["notif_out"] * acc.sum() * mu_n / mu_n[acc].sum(), 0.0)
    u_n = rng.random(nf)
    fam["notif_base"] = nb
    add = np.where(extra > 0, stats.poisson.ppf(u_n, np.maximum(extra, 1e-12)), 0.0)
    fam["notif_out"] = n0 + np.maximum(add, 0).astype(int)  # ppf(0) = -1

    # --- 2018 expenditures, nominal kr
    c = _SOC
    lvl_s = c["LVL_V"] * v + c["LVL_Z"] * rng.normal(size=nf)  # persistent family social-cost level (log)
    soc_b = np.where(rng.random(nf) < _expit(c["BA"] + c["BB"] * v),
                     np.exp(np.log(22_000) + 0.8 * lvl_s + 0.4 * rng.normal(size=nf)), 0.0)
    emp_b = np.exp(np.log(245_000) + 0.22 * u + 0.08 * s3) * rng.gamma(9.0, 1 / 9.0, nf)
    fam["exp_social_2018"] = np.round(soc_b, 2)
    fam["exp_employ_2018"] = np.round(emp_b, 2)
    fam["exp_total_2018"] = np.round(fam["exp_social_2018"] + fam["exp_employ_2018"], 2)

    # --- outcome-window present values (kr, 2022 prices, discounted to June 2019)
    p_soc = _expit(c["A"] + c["B"] * v + c["C"] * (soc_b > 0) + c["D"] * s3 + c["GA"] * cpl)
    m_soc = np.log(c["SCALE"]) + lvl_s + c["GL"] * cpl
    soc0 = np.where(rng.random(nf) < p_soc, np.exp(m_soc + c["SD"] * rng.normal(size=nf)), 0.0)
    mu_emp = np.exp(np.log(650_000) + 0.1 * u + 0.9 * np.log(emp_b / 245_000) + 0.05 * s3)
    emp0 = mu_emp * rng.gamma(12.0, 1 / 12.0, nf)
    # The effect (about -2/3 of the accepting families' untreated mean, heavy tail) is too large
    # for the per-sample rule (11 accepting families can have a realised mean below 441.000 kr),
    # so the scale factor uses the population mean of accepting families in the stratum (exact by
    # quadrature): E[effect | accepting family] = eff exactly over draws, in every stratum.
    soc1 = soc0.copy()
    for s_ in STRATA:
        m = acc & (st == s_)
        theta = eff["exp_social_out"] / social_outcome_mean(s_, 1)
        if theta <= -1:
            raise RuntimeError("social-expenditure effect larger than the accepting families' mean")
        soc1[m] = soc0[m] * (1.0 + theta)
    emp1 = _scale_effect(emp0, mu_emp, acc, eff["exp_employ_out"])

    # --- spread each present value over the 39 months as nominal flows
    months = pd.period_range(OUTCOME_WINDOW[0], OUTCOME_WINDOW[1], freq="M")
    t = costs.months_from_start(months.astype(str), PV_START) / 12.0
    to_nominal = np.array([PRICE_INDEX[y] / PRICE_INDEX[BASE_YEAR] for y in months.year]) / costs.discount_factor(t)
    out = []
    for area, pv, alpha in (("employment", emp1, 20.0), ("social", soc1, 0.4)):
        g = rng.gamma(alpha, 1.0, (nf, len(months)))
        w = g / g.sum(axis=1, keepdims=True)
        amount = pv[:, None] * w * to_nominal[None, :]
        out.append(pd.DataFrame({"family_id": np.repeat(fam["family_id"], len(months)), "area": area,
                                 "month": np.tile(months.astype(str), nf), "amount": amount.ravel()}))
    return pd.concat(out, ignore_index=True)


def _support_status(rng, per) -> pd.DataFrame:
    """Tabel A1: forsørgelsesgrundlag of members of accepting families at three snapshots and ever.

    Generated separately from the register outcomes (descriptive table only):
    førtidspension and fleksjob are absorbing with onset before each snapshot;
    the other statuses are drawn at each snapshot among persons aged 16+ in 2021."""
    m = per["accept"] == 1
    pid, fid, a = per["person_id"][m], per["family_id"][m], per["age_2019"][m]
    n = len(pid)
    elig = a >= 15
    ne = max(int(elig.sum()), 1)
    # onset interval index: 0 = before 2021-03, 1 = before 2022-02, 2 = before 2023-02, 3 = never
    def onset(counts):
        p = np.array(counts, float) / ne
        p = np.r_[p, 1 - p.sum()]
        return np.where(elig, rng.choice(4, size=n, p=p), 3)
    fp_on = onset([3.0, 3.0, 8.0])
    fl_on = onset([8.0, 1.5, 14.0])
    fl_on = np.where(fp_on <= fl_on, 3, fl_on)  # FP overrides fleksjob
    others = ("fulltime", "parttime_15_25", "smalljob_lt15", "education", "resource_course")
    probs = np.array([[5.0, 6.0, 6.0], [1.2, 5.0, 3.0], [7.0, 6.0, 6.0], [1.0, 1.0, 1.0], [1.2, 5.0, 5.0]]) / ne
    rows = []
    ever = {s: np.zeros(n, bool) for s in STATUSES}
    for k, snap in enumerate(SNAPSHOTS):
        status = np.full(n, "other", dtype=object)
        free = elig & (fp_on > k) & (fl_on > k)
        r = rng.random(n)
        cum = np.cumsum(probs[:, k])
        for j, s in enumerate(others):
            lo = cum[j - 1] if j else 0.0
            status[free & (r >= lo) & (r < cum[j])] = s
        status[fl_on <= k] = "flexjob"
        status[fp_on <= k] = "disability_pension"
        for s in STATUSES:
            ever[s] |= status == s
        rows.append(pd.DataFrame({"person_id": pid, "family_id": fid, "period": snap, "status": status}))
    # statuses held between snapshots only
    for s, p in (("fulltime", 0.02), ("education", 0.005), ("resource_course", 0.005)):
        ever[s] |= elig & (rng.random(n) < p)
    listed = [s for s in STATUSES if s != "other"]
    ever["other"] = ~np.any([ever[s] for s in listed], axis=0)
    for s in STATUSES:
        rows.append(pd.DataFrame({"person_id": pid[ever[s]], "family_id": fid[ever[s]], "period": "ever",
                                  "status": s}))
    return pd.concat(rows, ignore_index=True)


# ---------------------------------------------------------------------------
# finalising, writing, reading
# ---------------------------------------------------------------------------
def _finalize(stem: str, df: pd.DataFrame) -> pd.DataFrame:
    return finalize(df, LAYOUTS[stem])


def _csv_text(stem: str, df: pd.DataFrame) -> str:
    return csv_text(stem, df, LAYOUTS[stem])


def codebook_text(meta: dict | None = None) -> str:
    lines = ["# Codebook: synthetic OtO data (`data/synthetic/oto`)", "",
             "Synthetic data from `analysis.synthetic.oto` (see its module docstring for the data-generating "
             "process). No real person is behind any row. Files are comma-separated UTF-8 with '.' decimals, "
             "'\\n' line ends, a header row, and empty fields for missing values (NA).", ""]
    if meta:
        lines += [f"Seed {meta['seed']}, generator version {meta['generator_version']}.", ""]
    lines += ["True effects built into the generator (data units; `meta.json` has them too). The effects "
              "act only on members of accepting families: being offered and declining has no effect, so "
              "Bloom's identifying assumption holds. *True participation* is the mean effect on a unit of an "
              "accepting family; *accepting share* is the expected share of such units among the offered "
              "units of the outcome's sample; true ITT = accepting share × true participation (the published "
              "ITT). *Bloom target* = true ITT / (62/132) is what the report's participation estimate (ITT "
              "divided by the family take-up) is unbiased for: equal to the truth for family outcomes, "
              "1–5 % larger in size for person outcomes (accepting families are larger).", "",
              "| outcome | true ITT | accepting share | true participation | Bloom target | × for table unit |",
              "|---|---|---|---|---|---|"]
    lines += [f"| `{k}` | {v:g} | {ACCEPT_SHARE[k]:.4f} | {TRUE_PARTICIPATION[k]:.4g} | {BLOOM_TARGET[k]:.4g} | "
              f"{DISPLAY_SCALE[k]:g} |" for k, v in TRUE_ITT.items()]
    lines += ["", "`exp_*_out` are not columns: they are present values computed from "
              "`expenditure_flows.csv` (window 2020-01 – 2023-03, 2022 prices, 3.5 % discounting to 2019-06 by "
              "whole months; `analysis.costs`).", ""]
    lines += ["Estimation samples: an outcome column is non-missing exactly for its analysis population "
              "(e.g. `fp_apr2023` only for adults not on førtidspension at the start; `fleks_apr2023` also "
              "excludes fleksjob and ledighedsydelse at the start). Reference specification "
              "(`ITT_SPECS`): OLS on `offer` + stratum dummies + lagged outcome (missing-indicator "
              "adjusted where partly missing); person-level outcomes add `female`, `age_2019` and `origin` "
              "and cluster by `family_id`.", "",
              "| outcome | file | lagged outcome |", "|---|---|---|"]
    lines += [f"| `{k}` | {'persons' if v['unit'] == 'person' else 'families (+ flows)'} | "
              f"{'`' + v['lag'] + '`' if v['lag'] else '–'} |" for k, v in ITT_SPECS.items()]
    lines.append("")
    for stem, cols in COLUMNS.items():
        lines += codebook_columns(stem, cols, SORT_KEYS[stem])
        lines += CONTRACT.codebook_lines(stem)
    return "\n".join(lines)


def write(out_dir, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write the CSV files, meta.json and codebook.md for ``seed``; returns the paths."""
    data = generate(seed)
    return write_files(out_dir, data.frames(), LAYOUTS, data.meta, codebook_text(data.meta))


def load(data_dir, raws=None) -> OtoData:
    """Read files written by :func:`write` (or real data with the same columns)."""
    frames, meta = read_files(data_dir, LAYOUTS, raws=raws)
    return OtoData(meta=meta, **frames)


def family_cost_outcomes(flows: pd.DataFrame, price_index) -> pd.DataFrame:
    """Present values per family (kr, 2022 prices, discounted to June 2019) of the
    outcome-window flows: columns family_id, exp_social_out, exp_employ_out, exp_total_out."""
    if isinstance(price_index, pd.DataFrame):
        price_index = dict(zip(price_index["year"].astype(int), price_index["index"].astype(float)))
    w = flows[(flows["month"] >= OUTCOME_WINDOW[0]) & (flows["month"] <= OUTCOME_WINDOW[1])]
    res = {}
    for area, name in (("social", "exp_social_out"), ("employment", "exp_employ_out")):
        res[name] = costs.present_value(w[w["area"] == area], id_col="family_id", time_col="month",
                                        amount_col="amount", price_index=price_index, base_year=BASE_YEAR,
                                        start=PV_START, rate=costs.DISCOUNT_RATE)
    out = pd.DataFrame(res)
    out["exp_total_out"] = out["exp_social_out"] + out["exp_employ_out"]
    return out.rename_axis("family_id").reset_index()


#: The reference ITT specification for each outcome of Tabel 2 and 3 (used by the
#: tests and the coverage benchmark; the report can use it as is). ``lag`` is the
#: pre-randomisation value of the outcome; when it is missing for some rows it is
#: entered with :func:`analysis.rct.add_missing_indicator`. Person-level outcomes
#: add gender, age and origin and cluster by family; family-level outcomes have
#: one row per family, so ``cluster="family_id"`` gives HC1 standard errors.
PERSON_CONTROLS = {"covariates": ("female", "age_2019"), "categorical": ("origin",)}
ITT_SPECS: dict[str, dict] = {
    "school_absence": {"unit": "person", "lag": "school_absence_base"},
    "exam_grade": {"unit": "person", "lag": None},
    "trivsel": {"unit": "person", "lag": "trivsel_base"},
    "youth_hours": {"unit": "person", "lag": "youth_hours_base"},
    "youth_su_edu": {"unit": "person", "lag": "youth_edu_base"},
    "adult_hours_total": {"unit": "person", "lag": "adult_hours_base"},
    "adult_hours_ordinary": {"unit": "person", "lag": "adult_hours_base"},
    "activation_share": {"unit": "person", "lag": "activation_base"},
    "fp_apr2023": {"unit": "person", "lag": None},
    "fleks_apr2023": {"unit": "person", "lag": None},
    "notif_out": {"unit": "family", "lag": "notif_base"},
    "exp_social_out": {"unit": "family", "lag": "exp_social_2018"},
    "exp_employ_out": {"unit": "family", "lag": "exp_employ_2018"},
    "exp_total_out": {"unit": "family", "lag": "exp_total_2018"},
}


def family_frame(data: OtoData) -> pd.DataFrame:
    """families.csv plus the present-value cost outcomes (kr) from the flows."""
    return data.families.merge(family_cost_outcomes(data.expenditure_flows, data.price_index),
                               on="family_id", how="left", validate="one_to_one")


def itt_inputs(data: OtoData, outcome: str, families: pd.DataFrame | None = None):
    """(frame, keyword arguments for analysis.rct.itt_effect) for one outcome of ITT_SPECS."""
    from analysis.rct import add_missing_indicator

    spec = ITT_SPECS[outcome]
    if spec["unit"] == "person":
        frame = data.persons[data.persons[outcome].notna()]
        covs, cats = list(PERSON_CONTROLS["covariates"]), list(PERSON_CONTROLS["categorical"])
    else:
        frame = family_frame(data) if families is None else families
        covs, cats = [], []
    lag = spec["lag"]
    if lag is not None:
        if frame[lag].isna().any():
            frame, names = add_missing_indicator(frame, lag)
            covs += names
        else:
            covs.append(lag)
    return frame, {"covariates": covs, "categorical": cats, "cluster": "family_id",
                   "treatment": "offer", "strata": "stratum"}


def estimate_all(data: OtoData, alpha: float = 0.05) -> list:
    """ITT estimates for all outcomes in ITT_SPECS order (analysis.rct.EffectEstimate)."""
    from analysis.rct import itt_effect

    fam = family_frame(data)
    out = []
    for outcome in ITT_SPECS:
        frame, kw = itt_inputs(data, outcome, fam)
        out.append(itt_effect(frame, outcome, alpha=alpha, **kw))
    return out


#: Published ITT estimates and 95 % CIs (spec §7), data units: the target of the seed rule.
#: ``exp_total_out`` is the published -119 (its own regression), not TRUE_ITT's -129.
PUBLISHED_ITT_CI: dict[str, tuple[float, float, float]] = {
    "school_absence": (-1.1, -2.5, 0.3), "exam_grade": (-0.6, -1.5, 0.3), "trivsel": (-0.1, -0.5, 0.4),
    "youth_hours": (148.0, 7.0, 290.0), "youth_su_edu": (-0.11, -0.23, 0.02),
    "adult_hours_total": (-22.0, -270.0, 226.0), "adult_hours_ordinary": (-55.0, -298.0, 188.0),
    "activation_share": (-0.01, -0.08, 0.06), "fp_apr2023": (-0.05, -0.11, 0.02),
    "fleks_apr2023": (0.06, -0.01, 0.12), "notif_out": (0.7, -0.9, 2.3),
    "exp_social_out": (-207_000.0, -476_000.0, 62_000.0), "exp_employ_out": (78_000.0, 11_000.0, 144_000.0),
    "exp_total_out": (-119_000.0, -408_000.0, 170_000.0),
}


def seed_distance(data: OtoData) -> tuple[float, bool]:
    """(sum over the 14 outcomes of ((estimate - published) / published SE)^2, all signs as
    published) for one draw; published SE = CI width / 3.92. The rule behind DEFAULT_SEED."""
    est = {r.outcome: r.estimate for r in estimate_all(data)}
    dist = sum(((est[k] - e) / ((hi - lo) / 3.92)) ** 2 for k, (e, lo, hi) in PUBLISHED_ITT_CI.items())
    signs = all(np.sign(est[k]) == np.sign(e) for k, (e, _, _) in PUBLISHED_ITT_CI.items())
    return float(dist), bool(signs)


def choose_seed(seeds=range(1, 401)) -> int:
    """DEFAULT_SEED's rule: the seed with the smallest :func:`seed_distance` among those whose
    14 ITT estimates all have the published signs (about 0.1 s a seed)."""
    scored = [(seed_distance(generate(s)), s) for s in seeds]
    return min((d, s) for (d, ok), s in scored if ok)[1]


def support_counts(support_status: pd.DataFrame) -> pd.DataFrame:
    """Tabel A1 counts before suppression: rows = the seven statuses (STATUSES without
    'other', printed order), columns = SNAPSHOTS + 'ever'; number of persons (int)."""
    rows = [s for s in STATUSES if s != "other"]
    counts = (support_status[support_status["status"] != "other"]
              .groupby(["status", "period"]).size().unstack(fill_value=0))
    return counts.reindex(index=rows, columns=list(SNAPSHOTS) + ["ever"], fill_value=0).astype(int)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m analysis.synthetic.oto",
                                 description="Write the synthetic OtO data set.")
    ap.add_argument("--out", required=True, help="output folder, e.g. data/synthetic/oto")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    args = ap.parse_args(argv)
    for p in write(args.out, args.seed):
        print(p)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
