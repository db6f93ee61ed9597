"""Synthetic trials for the STAR note on five knowledge projects (spec ``bip-and-star-note.md``, document 002).

Four small randomised trials, one file each, drawn with known true effects
(:data:`TRUE_EFFECTS`, calibrated to the numbers the note reports, §8). The
fifth project, BIP, is not drawn here: the note reads the BIP report's own
synthetic data (:mod:`analysis.synthetic.bip`). No real person is behind any
row.

Trials (exact arm sizes in every draw)
    ``mentor``      Mentorforsøget 2012–13: 1.302 participants and 1.291
                    controls in 13 jobcentres, randomised within jobcentre.
                    Outcomes one year after the start: started SU-eligible
                    education (control 12 %, +4 pct.-point) and in a job
                    (control 5 %, +2 pct.-point).
    ``brobygning``  Brobygning til uddannelse 2013: 2.397 young people in
                    the programme at 12 vocational schools and, **by
                    assumption** (the note does not say), as many controls
                    randomised within each school's catchment. In ordinary
                    education 25 weeks after the start: treated 45,2 %,
                    control 30,2 % (+15 pct.-point); in a job: 7,7 % in both
                    arms (no effect, assumption). After 3½–4 years, **by
                    assumption** in size (the note gives the direction only):
                    started the main course of a vocational education, control
                    20 %, +5 pct.-point; completed an upper-secondary or higher
                    education, control 6 %, no effect.
    ``inklusion``   Projekt Inklusion 2011–17: 243 IPS, 238 IPSE and 239
                    controls (complete randomisation). Within 18 months (78
                    weeks): in a job or education, control 46,5 %, both IPS arms
                    60 % (+13,5 pct.-point); weeks in a job or education, +2,9
                    weeks (the note reports the two IPS arms together; equal arm
                    effects are an assumption).
    ``jobfirst``    JobFirst 2016–17: about 2.400 treated in 15 municipalities
                    and, **by assumption**, as many controls, randomised within
                    municipality. Average ordinary hours a week over the 78
                    weeks after the start: control 2,85, +1,9 hours (≈ +67 %);
                    paid hours over six years: +14 % (the absolute true effect is
                    0,14 × the treated units' expected untreated total).

How effects are applied (so the true effect is exact given the draw's units)
    Binary outcomes: untreated ``y0 ~ Bernoulli(p_i)`` (logit in age, gender
    and site); a treated unit with ``y0 = 0`` flips to 1 with probability
    ``q = delta / mean(1 − p_i)`` over the treated units, so the mean expected
    effect on the treated units is ``delta``; expected over draws it is the
    population effect. Weeks (Inklusion): the flipped units get
    ``1 + Binomial(77, r)`` weeks with ``r`` set so the expected extra weeks are
    2,9. Hours (JobFirst): a zero-hours unit gets hours with probability 0,08
    and positive hours are scaled by ``1 + theta``, ``theta`` set so the mean
    expected effect on the treated is 1,9 hours. Six-year hours are scaled by
    1,14 for treated units.

The note estimates every effect by OLS of the outcome on the treatment dummy,
site dummies (where randomisation was within site), age and gender, with
heteroskedasticity-robust (HC1) standard errors (:data:`TRIAL_SPECS`,
:func:`estimate_all`, :func:`analysis.rct.itt_effect`).

CLI: ``python -m analysis.synthetic.star --out data/synthetic/star [--seed N]``.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.synthetic.contract import Rule, contract_from_columns
from analysis.synthetic.files import FileLayout, codebook_columns, finalize, read_files, write_files

GENERATOR_VERSION = "1.0.0"
DEFAULT_SEED = 2023

ARMS = {
    "mentor": {"deltager": 1302, "kontrol": 1291},
    "brobygning": {"deltager": 2397, "kontrol": 2397},
    "inklusion": {"IPS": 243, "IPSE": 238, "kontrol": 239},
    "jobfirst": {"deltager": 2400, "kontrol": 2400},
}
SITES = {"mentor": 13, "brobygning": 12, "inklusion": 0, "jobfirst": 15}
SITE_PREFIX = {"mentor": "Jobcenter", "brobygning": "Skole", "jobfirst": "Kommune"}

#: Untreated outcome levels (population, in data units) the DGP is calibrated to.
CONTROL_LEVEL = {
    ("mentor", "udd_1aar"): 0.12, ("mentor", "job_1aar"): 0.05,
    ("brobygning", "udd_25u"): 0.302, ("brobygning", "job_25u"): 0.077,
    ("brobygning", "hovedforloeb_4aar"): 0.20, ("brobygning", "gym_vid_4aar"): 0.06,
    ("inklusion", "job_udd_18md"): 0.465, ("inklusion", "uger_job_udd_18md"): 11.6,
    ("jobfirst", "timer_uge_78u"): 2.85, ("jobfirst", "loentimer_6aar"): 2300.0,
}
#: True effects (treated minus control, data units) by (trial, outcome, treated arm).
TRUE_EFFECTS: dict[tuple[str, str, str], float] = {
    ("mentor", "udd_1aar", "deltager"): 0.04,
    ("mentor", "job_1aar", "deltager"): 0.02,
    ("brobygning", "udd_25u", "deltager"): 0.15,
    ("brobygning", "job_25u", "deltager"): 0.0,
    ("brobygning", "hovedforloeb_4aar", "deltager"): 0.05,
    ("brobygning", "gym_vid_4aar", "deltager"): 0.0,
    ("inklusion", "job_udd_18md", "IPS"): 0.135,
    ("inklusion", "job_udd_18md", "IPSE"): 0.135,
    ("inklusion", "uger_job_udd_18md", "IPS"): 2.9,
    ("inklusion", "uger_job_udd_18md", "IPSE"): 2.9,
    ("jobfirst", "timer_uge_78u", "deltager"): 1.9,
}
#: Relative true effect of JobFirst on six-year paid hours (the absolute one depends on the draw's units).
JOBFIRST_6Y_RELATIVE = 0.14

#: The note's estimates: (key, trial, outcome, treated arms, horizon in weeks, site strata?).
#: ``arms`` lists the arm(s) compared with "kontrol"; two arms are pooled as one treated group.
TRIAL_SPECS: list[dict] = [
    {"key": "mentor_udd", "trial": "mentor", "outcome": "udd_1aar", "arms": ("deltager",), "weeks": 52},
    {"key": "mentor_job", "trial": "mentor", "outcome": "job_1aar", "arms": ("deltager",), "weeks": 56},
    {"key": "bro_udd", "trial": "brobygning", "outcome": "udd_25u", "arms": ("deltager",), "weeks": 25},
    {"key": "bro_job", "trial": "brobygning", "outcome": "job_25u", "arms": ("deltager",), "weeks": 25},
    {"key": "bro_hoved", "trial": "brobygning", "outcome": "hovedforloeb_4aar", "arms": ("deltager",), "weeks": 195},
    {"key": "bro_gymvid", "trial": "brobygning", "outcome": "gym_vid_4aar", "arms": ("deltager",), "weeks": 195},
    {"key": "ips_job", "trial": "inklusion", "outcome": "job_udd_18md", "arms": ("IPS",), "weeks": 78},
    {"key": "ipse_job", "trial": "inklusion", "outcome": "job_udd_18md", "arms": ("IPSE",), "weeks": 78},
    {"key": "ipsx_job", "trial": "inklusion", "outcome": "job_udd_18md", "arms": ("IPS", "IPSE"), "weeks": 78},
    {"key": "ips_uger", "trial": "inklusion", "outcome": "uger_job_udd_18md", "arms": ("IPS",), "weeks": 78},
    {"key": "ipse_uger", "trial": "inklusion", "outcome": "uger_job_udd_18md", "arms": ("IPSE",), "weeks": 78},
    {"key": "ipsx_uger", "trial": "inklusion", "outcome": "uger_job_udd_18md", "arms": ("IPS", "IPSE"), "weeks": 78},
    {"key": "jf_timer", "trial": "jobfirst", "outcome": "timer_uge_78u", "arms": ("deltager",), "weeks": 78},
    {"key": "jf_6aar", "trial": "jobfirst", "outcome": "loentimer_6aar", "arms": ("deltager",), "weeks": 312},
]
SPEC_BY_KEY = {s["key"]: s for s in TRIAL_SPECS}


def _common_columns(site: bool, site_text: str = "") -> list[tuple]:
    cols = [("person_id", "int", None, False, "id", "Person in the trial")]
    if site:
        cols.append(("site", "str", None, False, "category", site_text))
    cols += [("arm", "str", None, False, "category", "Randomised arm"),
             ("alder", "int", None, False, "years", "Age at randomisation"),
             ("female", "bool01", None, False, "0/1", "1 = woman")]
    return cols


COLUMNS: dict[str, list[tuple]] = {
    "mentor": _common_columns(True, "Jobcentre (randomisation stratum), 13 sites") + [
        ("udd_1aar", "bool01", None, False, "0/1", "Started SU-eligible education within one year of the start"),
        ("job_1aar", "bool01", None, False, "0/1", "In a job a little more than one year (56 weeks) after the start"),
    ],
    "brobygning": _common_columns(True, "Vocational school (catchment = randomisation stratum), 12 sites") + [
        ("udd_25u", "bool01", None, False, "0/1", "In ordinary education 25 weeks after the start"),
        ("job_25u", "bool01", None, False, "0/1", "In a job 25 weeks after the start"),
        ("hovedforloeb_4aar", "bool01", None, False, "0/1", "Started the main course of a vocational education within 3½–4 years"),
        ("gym_vid_4aar", "bool01", None, False, "0/1", "Completed an upper-secondary or higher education within 3½–4 years"),
    ],
    "inklusion": _common_columns(False) + [
        ("job_udd_18md", "bool01", None, False, "0/1", "In a job or education at some point within 18 months (78 weeks)"),
        ("uger_job_udd_18md", "int", None, False, "weeks 0–78", "Weeks in a job or education within 78 weeks"),
    ],
    "jobfirst": _common_columns(True, "Municipality (randomisation stratum), 15 sites") + [
        ("timer_uge_78u", "float", 2, False, "hours a week", "Average ordinary (unsubsidised) hours a week over the 78 weeks after the start"),
        ("loentimer_6aar", "float", 1, False, "hours", "Paid hours over the six years after the start"),
    ],
}
SCHEMA = {stem: {c[0]: c[1] for c in cols} for stem, cols in COLUMNS.items()}
NULLABLE = {stem: set() for stem in COLUMNS}
DECIMALS = {stem: {c[0]: c[2] for c in cols if c[2] is not None} for stem, cols in COLUMNS.items()}
SORT_KEYS = {stem: ["person_id"] for stem in COLUMNS}
LAYOUTS = {stem: FileLayout(SCHEMA[stem], frozenset(), DECIMALS[stem], tuple(SORT_KEYS[stem])) for stem in SCHEMA}
CONTRACT = contract_from_columns(
    "star", COLUMNS,
    keys={stem: ["person_id"] for stem in COLUMNS},
    rules={**{f"{stem}.arm": Rule(values=tuple(ARMS[stem])) for stem in COLUMNS},
           **{f"{stem}.site": Rule(pattern=rf"{SITE_PREFIX[stem]} \d\d") for stem in SITE_PREFIX},
           **{f"{stem}.alder": Rule(min=15, max=67) for stem in COLUMNS},
           "inklusion.uger_job_udd_18md": Rule(min=0, max=78),
           "jobfirst.timer_uge_78u": Rule(min=0), "jobfirst.loentimer_6aar": Rule(min=0)},
)


@dataclass
class StarData:
    mentor: pd.DataFrame
    brobygning: pd.DataFrame
    inklusion: pd.DataFrame
    jobfirst: pd.DataFrame
    meta: dict = field(default_factory=dict)

    def frames(self) -> dict[str, pd.DataFrame]:
        return {stem: getattr(self, stem) for stem in COLUMNS}


def _expit(x):
    return 1.0 / (1.0 + np.exp(-x))


def _logit(p):
    return np.log(p / (1 - p))


def _split(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers summing to ``total`` in proportion to ``weights`` (largest remainder)."""
    raw = total * weights / weights.sum()
    out = np.floor(raw).astype(int)
    out[np.argsort(-(raw - out), kind="stable")[: total - out.sum()]] += 1
    return out


def _base(rng, trial: str, age_mean: float, age_sd: float, age_lo: int, age_hi: int) -> pd.DataFrame:
    """Persons, arms, age and gender. Arm sizes are exact; with sites, every site gets the arms in
    proportion to its size (largest remainder) and randomisation is within site."""
    arms = ARMS[trial]
    n = sum(arms.values())
    k = SITES[trial]
    arm = np.empty(n, dtype=object)
    if k:
        site_idx = np.sort(rng.integers(0, k, n))
        sizes = np.bincount(site_idx, minlength=k)
        remaining = sizes.copy()
        per_site = {}
        for a, m in list(arms.items())[:-1]:
            per_site[a] = _split(m, remaining.astype(float))
            per_site[a] = np.minimum(per_site[a], remaining)
            remaining = remaining - per_site[a]
        last = list(arms)[-1]
        per_site[last] = remaining
        start = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        for j in range(k):
            labels = np.concatenate([np.full(per_site[a][j], a, dtype=object) for a in arms])
            arm[start[j]: start[j] + sizes[j]] = labels[rng.permutation(sizes[j])]
        site = np.array([f"{SITE_PREFIX[trial]} {i + 1:02d}" for i in site_idx], dtype=object)
    else:
        labels = np.concatenate([np.full(m, a, dtype=object) for a, m in arms.items()])
        arm[:] = labels[rng.permutation(n)]
        site = None
    age = np.clip(np.round(rng.normal(age_mean, age_sd, n)), age_lo, age_hi).astype(int)
    female = (rng.random(n) < 0.45).astype(int)
    df = pd.DataFrame({"person_id": np.arange(1, n + 1)})
    if site is not None:
        df["site"] = site
    df["arm"] = arm
    df["alder"] = age
    df["female"] = female
    return df


def _site_effect(rng, df: pd.DataFrame, sd: float) -> np.ndarray:
    if "site" not in df.columns:
        return np.zeros(len(df))
    codes, uniq = pd.factorize(df["site"], sort=True)
    return rng.normal(0, sd, len(uniq))[codes]


def _binary(rng, df, treated, level, delta, index) -> tuple[np.ndarray, float]:
    """Untreated Bernoulli(p_i) with population mean ``level``; treated zeros flip with q (module docstring)."""
    a = _logit(level)
    p = _expit(a + index)
    p = _expit(a + index + (_logit(level) - _logit(p.mean())))          # centre on the level
    u, v = rng.random(len(df)), rng.random(len(df))
    y0 = (u < p).astype(int)
    q = delta / float(np.mean(1 - p[treated])) if delta else 0.0
    if not 0 <= q <= 1:
        raise RuntimeError(f"flip probability {q:.3f} outside [0, 1]")
    y = np.where(treated & (y0 == 0) & (v < q), 1, y0)
    return y, q


def generate(seed: int = DEFAULT_SEED) -> StarData:
    rng = np.random.default_rng(seed)
    out = {}
    # Mentorforsøget: young people 15–30
    df = _base(rng, "mentor", 22.0, 3.5, 15, 30)
    t = (df["arm"] == "deltager").to_numpy()
    s = _site_effect(rng, df, 0.25)
    idx = s - 0.06 * (df["alder"].to_numpy() - 22) + 0.1 * df["female"].to_numpy() + rng.normal(0, 0.5, len(df))
    df["udd_1aar"], _ = _binary(rng, df, t, CONTROL_LEVEL[("mentor", "udd_1aar")],
                                TRUE_EFFECTS[("mentor", "udd_1aar", "deltager")], idx)
    idx2 = s + 0.05 * (df["alder"].to_numpy() - 22) + rng.normal(0, 0.5, len(df))
    df["job_1aar"], _ = _binary(rng, df, t, CONTROL_LEVEL[("mentor", "job_1aar")],
                                TRUE_EFFECTS[("mentor", "job_1aar", "deltager")], idx2)
    out["mentor"] = df
    # Brobygning: young people 17–29
    df = _base(rng, "brobygning", 20.5, 2.5, 17, 29)
    t = (df["arm"] == "deltager").to_numpy()
    s = _site_effect(rng, df, 0.2)
    motivation = rng.normal(0, 0.7, len(df))
    age = df["alder"].to_numpy() - 20.5
    for col, lvl_shift in (("udd_25u", 0.0), ("job_25u", 0.0), ("hovedforloeb_4aar", 0.0), ("gym_vid_4aar", 0.0)):
        idx = s + motivation - (0.05 if col != "job_25u" else -0.05) * age + lvl_shift
        df[col], _ = _binary(rng, df, t, CONTROL_LEVEL[("brobygning", col)],
                             TRUE_EFFECTS[("brobygning", col, "deltager")], idx)
    out["brobygning"] = df
    # Projekt Inklusion: 18–35, severe mental illness
    df = _base(rng, "inklusion", 28.0, 5.0, 18, 45)
    t = (df["arm"] != "kontrol").to_numpy()
    idx = -0.03 * (df["alder"].to_numpy() - 28) + rng.normal(0, 0.6, len(df))
    lvl = CONTROL_LEVEL[("inklusion", "job_udd_18md")]
    delta = TRUE_EFFECTS[("inklusion", "job_udd_18md", "IPS")]
    p = _expit(_logit(lvl) + idx)
    p = _expit(_logit(lvl) + idx + (_logit(lvl) - _logit(p.mean())))
    u, v = rng.random(len(df)), rng.random(len(df))
    y0 = (u < p).astype(int)
    q = delta / float(np.mean(1 - p[t]))
    flip = t & (y0 == 0) & (v < q)
    any_ = np.where(flip, 1, y0)
    # weeks: untreated spells 1 + Binomial(77, r0); flipped units' extra weeks 1 + Binomial(77, r1)
    mean_weeks0 = CONTROL_LEVEL[("inklusion", "uger_job_udd_18md")] / lvl
    r0 = (mean_weeks0 - 1) / 77
    extra = TRUE_EFFECTS[("inklusion", "uger_job_udd_18md", "IPS")] / delta   # expected weeks of a flipped unit
    r1 = (extra - 1) / 77
    weeks0 = 1 + rng.binomial(77, r0, len(df))
    weeks1 = 1 + rng.binomial(77, r1, len(df))
    df["job_udd_18md"] = any_
    df["uger_job_udd_18md"] = np.where(flip, weeks1, np.where(y0 == 1, weeks0, 0))
    out["inklusion"] = df
    # JobFirst: long-term kontanthjælp recipients 25–64
    df = _base(rng, "jobfirst", 40.0, 9.0, 25, 64)
    t = (df["arm"] == "deltager").to_numpy()
    s = _site_effect(rng, df, 0.2)
    z = s - 0.03 * (df["alder"].to_numpy() - 40) + rng.normal(0, 0.6, len(df))
    p_any = _expit(_logit(0.34) + z)
    mean_pos = 2.85 / 0.34
    pos = rng.gamma(1.6, mean_pos / 1.6, len(df))
    any0 = rng.random(len(df)) < p_any
    new = rng.random(len(df)) < 0.08
    h0 = np.where(any0, pos, 0.0)
    mu0 = p_any * mean_pos                        # expected untreated hours given z
    extra_new = 0.08 * (1 - p_any) * mean_pos     # expected hours from newly employed
    theta = (TRUE_EFFECTS[("jobfirst", "timer_uge_78u", "deltager")] - extra_new[t].mean()) / mu0[t].mean()
    h1 = np.where(any0, pos * (1 + theta), np.where(new, pos, 0.0))
    df["timer_uge_78u"] = np.where(t, h1, h0)
    # six years: half the 78-week hours persist, plus later jobs (half get one, 11,9 hours a week on average)
    later = rng.gamma(1.5, 11.9 / 1.5, len(df)) * (rng.random(len(df)) < 0.5)
    total0 = 312.0 * (0.5 * h0 + later)
    df["loentimer_6aar"] = np.where(t, total0 * (1 + JOBFIRST_6Y_RELATIVE), total0)
    expected_total0 = 312.0 * (0.5 * mu0 + 0.5 * 11.9)
    jf6_true = JOBFIRST_6Y_RELATIVE * float(expected_total0[t].mean())
    out["jobfirst"] = df
    for stem in out:
        out[stem] = finalize(out[stem], LAYOUTS[stem])
    meta = {
        "generator": "analysis.synthetic.star", "generator_version": GENERATOR_VERSION, "seed": int(seed),
        "synthetic": True,
        "arms": ARMS,
        "true_effects": {f"{tr}.{o}.{arm}": v for (tr, o, arm), v in TRUE_EFFECTS.items()},
        "jobfirst_six_year_relative_effect": JOBFIRST_6Y_RELATIVE,
        "jobfirst_theta": round(float(theta), 6),
        "jobfirst_six_year_true_effect_hours": round(jf6_true, 3),
        "control_levels": {f"{tr}.{o}": v for (tr, o), v in CONTROL_LEVEL.items()},
    }
    return StarData(meta=meta, **out)


def true_effect(meta: dict, spec: dict) -> float:
    """The true effect behind one estimate of TRIAL_SPECS (pooled arms have the common arm effect)."""
    if spec["key"] == "jf_6aar":
        return float(meta["jobfirst_six_year_true_effect_hours"])
    vals = {TRUE_EFFECTS[(spec["trial"], spec["outcome"], a)] for a in spec["arms"]}
    if len(vals) != 1:
        raise ValueError(f"{spec['key']}: pooled arms with different true effects")
    return vals.pop()


def trial_frame(data: StarData, spec: dict) -> pd.DataFrame:
    """The rows of one comparison (the spec's arms and the controls) with ``indsats`` = 1 for the arms."""
    df = getattr(data, spec["trial"])
    d = df[df["arm"].isin(list(spec["arms"]) + ["kontrol"])]
    return d.assign(indsats=(d["arm"] != "kontrol").astype(int))


def estimate(data: StarData, spec: dict, alpha: float = 0.05):
    """analysis.rct.itt_effect for one comparison: OLS on the treatment dummy, site dummies (when the
    trial randomised within sites), age and gender; HC1 standard errors (one row per person)."""
    from analysis.rct import itt_effect

    d = trial_frame(data, spec)
    strata = "site" if "site" in d.columns else None
    return itt_effect(d, spec["outcome"], treatment="indsats", strata=strata, covariates=("alder", "female"),
                      cluster="person_id", alpha=alpha)


def estimate_all(data: StarData, alpha: float = 0.05) -> dict:
    """{key: analysis.rct.EffectEstimate} for every comparison of TRIAL_SPECS."""
    return {s["key"]: estimate(data, s, alpha) for s in TRIAL_SPECS}


def codebook_text(meta: dict | None = None) -> str:
    meta = meta or {}
    lines = ["# Synthetic trials for the STAR note", "",
             f"Generated by `analysis.synthetic.star` (version {GENERATOR_VERSION}), seed "
             f"{meta.get('seed', DEFAULT_SEED)}. One file per trial, one row per randomised person. No real "
             "person is behind any row. The data-generating process and its assumptions (control-group sizes "
             "of Brobygning and JobFirst, the long-run Brobygning effects, equal IPS/IPSE effects) are in the "
             "module docstring; `meta.json` holds the seed and the true effects.", "",
             "| trial | arms | true effects (treated − control, data units) |", "|---|---|---|"]
    for trial, arms in ARMS.items():
        eff = "; ".join(f"`{o}` {arm}: {v:g}" for (tr, o, arm), v in TRUE_EFFECTS.items() if tr == trial)
        if trial == "jobfirst":
            eff += f"; `loentimer_6aar`: +{JOBFIRST_6Y_RELATIVE:.0%} (relative)"
        lines.append(f"| {trial} | " + ", ".join(f"{a} {m}" for a, m in arms.items()) + f" | {eff} |")
    lines.append("")
    for stem, cols in COLUMNS.items():
        lines += codebook_columns(stem, cols, SORT_KEYS[stem])
        lines += CONTRACT.codebook_lines(stem)
    return "\n".join(lines)


def write(out_dir, seed: int = DEFAULT_SEED) -> list[Path]:
    data = generate(seed)
    return write_files(out_dir, data.frames(), LAYOUTS, data.meta, codebook_text(data.meta))


def load(data_dir, raws=None) -> StarData:
    frames, meta = read_files(data_dir, LAYOUTS, raws=raws)
    return StarData(meta=meta, **frames)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m analysis.synthetic.star", description="Write the synthetic STAR trials.")
    ap.add_argument("--out", required=True, help="output folder, e.g. data/synthetic/star")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    args = ap.parse_args(argv)
    for p in write(args.out, args.seed):
        print(p)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
