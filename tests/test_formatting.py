"""Exact strings for the Danish formatters (evalreport.author.formatting)."""
import math
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from evalreport.author import formatting as F
from evalreport.author.formatting import (
    fmt_approx, fmt_ci, fmt_count, fmt_est_ci, fmt_ki, fmt_kr, fmt_mean_sd, fmt_num, fmt_p,
    fmt_p_eq, fmt_pct, fmt_pp, fraction_word, num_word, round_to, star_legend, stars,
)


@pytest.mark.parametrize("x, decimals, expected", [
    (0.125, 2, "0,13"),          # float 0.125 is exact; half away from zero
    (2.675, 2, "2,68"),          # float 2.67499999...; round() gives 2.67
    (1.005, 2, "1,01"),
    (-0.125, 2, "−0,13"),        # away from zero, also for negatives
    (0.5, 0, "1"),
    (-0.5, 0, "−1"),
    (2.5, 0, "3"),               # not banker's rounding
    (-0.04, 1, "0,0"),           # no negative zero
    (-0.0, 2, "0,00"),
    (8.05, 1, "8,1"),
    (1052, 0, "1.052"),
    (-1014, 0, "−1.014"),
    (1234567.891, 2, "1.234.567,89"),
    (999.96, 1, "1.000,0"),
    (-999999.5, 0, "−1.000.000"),
    (123, 0, "123"),
    (204321, -3, "204.000"),
    (0.1 + 0.2, 2, "0,30"),
    (np.float64(4.75), 1, "4,8"),
    (np.int64(12345), 0, "12.345"),
    (Decimal("2.345"), 2, "2,35"),
])
def test_fmt_num(x, decimals, expected):
    assert fmt_num(x, decimals) == expected


def test_typographic_minus():
    s = fmt_num(-1234.5, 1)
    assert s == "\u22121.234,5" and F.MINUS == "\u2212"
    assert "-" not in s                                   # no ASCII hyphen-minus in print
    assert F.normalize_minus("-0,5 (-1,2 til 0,3)") == "\u22120,5 (\u22121,2 til 0,3)"
    assert F.normalize_minus("23-29, P-værdi, aug 2019 - apr 2023") == \
        "23-29, P-værdi, aug 2019 - apr 2023"             # ranges and words keep their hyphen
    assert F.normalize_minus("\u22120,5") == "\u22120,5"


def test_sign():
    assert fmt_num(3.14, 1, sign=True) == "+3,1"
    assert fmt_num(-3.14, 1, sign=True) == "−3,1"
    assert fmt_num(0.01, 1, sign=True) == "0,0"   # rounds to zero: no sign
    assert fmt_num(3.14, 1) == "3,1"               # no "+" unless asked


@pytest.mark.parametrize("missing", [None, float("nan"), np.nan, pd.NA])
def test_missing_default_and_option(missing):
    assert fmt_num(missing, 1) == ""
    assert fmt_num(missing, 1, missing="-") == "-"
    with F.options(missing="-"):
        assert fmt_num(missing, 1) == "-"
        assert fmt_est_ci(missing, 1, 2) == "-"
        assert fmt_p(missing) == "-"
    assert fmt_num(missing) == ""


def test_bad_input():
    with pytest.raises(TypeError):
        fmt_num("1,2")
    with pytest.raises(ValueError):
        fmt_num(math.inf)


def test_scale_is_exact():
    # 0.29 * 100 = 28.999999999999996 in floats
    assert fmt_num(0.29, 0, scale=100) == "29"
    assert fmt_num(0.285, 0, scale=100) == "29"
    assert fmt_num(0.145, 1, scale=100) == "14,5"


def test_pct_and_pp():
    assert fmt_pct(68) == "68 pct."
    assert fmt_pct(0.4697, 1, from_share=True) == "47,0 pct."
    assert fmt_pct(0.125, 0, from_share=True) == "13 pct."
    assert fmt_pct(54, 1, unit="%") == "54,0 %"
    assert fmt_pp(-1.1) == "−1,1 procentpoint"
    assert fmt_pp(2.35, short=True) == "2,4 pct.-point"
    assert fmt_pp(0.023, 1, from_share=True) == "2,3 procentpoint"


def test_intervals_and_cells():
    assert fmt_ci(-2.5, 0.3) == "−2,5 til 0,3"
    assert fmt_ci(-2.45, 0.25, 1) == "−2,5 til 0,3"
    assert fmt_ci(-1014, 132, 0) == "−1.014 til 132"
    assert fmt_ki(-2.5, 0.3) == "95 pct. KI (−2,5 til 0,3)"
    assert fmt_ki(1, 2, 0, level=90) == "90 pct. KI (1 til 2)"
    assert fmt_est_ci(-1.1, -2.5, 0.3, 1) == "−1,1 (−2,5 til 0,3)"
    assert fmt_est_ci(148, 7, 290, 0) == "148 (7 til 290)"
    assert fmt_est_ci(-441, -1014, 132, 0) == "−441 (−1.014 til 132)"
    assert fmt_est_ci(-0.11, -0.23, 0.02, 0, scale=100) == "−11 (−23 til 2)"
    assert fmt_est_ci(78, 11, 144, 0, mark="*") == "78* (11 til 144)"
    assert fmt_est_ci(1.5, None, None, 1) == "1,5"
    assert fmt_mean_sd(8.1, 6.1, 1) == "8,1 (6,1)"
    assert fmt_mean_sd(1159, 1426, 0) == "1.159 (1.426)"
    assert fmt_mean_sd(0.68, 0.47, 0, scale=100) == "68 (47)"
    assert fmt_mean_sd(4.7, None) == "4,7"
    assert fmt_mean_sd(26.3, 17.46, 1, sd_decimals=0) == "26,3 (17)"


def test_p_values():
    assert fmt_p(0.125) == "0,13"
    assert fmt_p(0.04) == "0,04"
    assert fmt_p(0.004) == "0,00"        # never "<0,01" by default
    assert fmt_p(1) == "1,00"
    assert fmt_p(0.0004, floor=0.001) == "<0,001"
    assert fmt_p(0.004, floor=0.001) == "0,00"
    assert fmt_p(0.0004, 3, floor=0.001) == "<0,001"
    with F.options(p_floor=0.001):
        assert fmt_p(0.0001) == "<0,001"
    assert fmt_p_eq(0.13) == "p = 0,13"
    assert fmt_p_eq(0.0001, floor=0.001) == "p < 0,001"
    with pytest.raises(ValueError):
        fmt_p(1.2)


def test_stars():
    assert [stars(p) for p in (0.0005, 0.001, 0.005, 0.03, 0.05, 0.07, 0.1, 0.5)] == \
        ["***", "**", "**", "*", "#", "#", "", ""]
    assert stars(None) == ""
    custom = [(0.01, "***"), (0.05, "**"), (0.10, "*")]
    assert stars(0.03, custom) == "**"
    assert star_legend() == "# p < 0,10; * p < 0,05; ** p < 0,01; *** p < 0,001"
    assert star_legend(custom) == "* p < 0,10; ** p < 0,05; *** p < 0,01"


def test_kroner_and_rounding():
    assert fmt_kr(200000) == "200.000 kr."
    assert fmt_kr(1160000) == "1,16 mio. kr."
    assert fmt_kr(1155000) == "1,16 mio. kr."
    assert fmt_kr(23_400_000) == "23,4 mio. kr."
    assert fmt_kr(234_000_000) == "234 mio. kr."
    assert fmt_kr(9_996_000) == "10,0 mio. kr."
    assert fmt_kr(-252_000) == "−252.000 kr."
    assert fmt_kr(2_300_000_000) == "2,30 mia. kr."
    assert fmt_kr(1_160_000, unit="kr") == "1.160.000 kr."
    assert fmt_kr(252_000, 2, unit="mio") == "0,25 mio. kr."
    assert round_to(204_321, 10_000) == 200_000
    assert round_to(205_000, 10_000) == 210_000
    assert round_to(2.46, 0.5) == 2.5
    assert round_to(-87, 10) == -90
    assert fmt_num(round_to(204_321, 10_000)) == "200.000"
    assert fmt_approx(87, 10) == "knap 90"
    assert fmt_approx(89.6, 10) == "omkring 90"
    assert fmt_approx(213_000, 10_000) == "godt 210.000"
    assert fmt_approx(90, 10) == "90"
    assert fmt_approx(2.3, 0.5, 1) == "knap 2,5"
    assert fmt_approx(252_000, 50_000, qualifier="omkring") == "omkring 250.000"


def test_num_word():
    assert [num_word(i) for i in range(13)] == [
        "nul", "en", "to", "tre", "fire", "fem", "seks", "syv", "otte", "ni", "ti", "elleve", "tolv"]
    assert num_word(1, neuter=True) == "et"
    assert num_word(13) == "13"
    assert num_word(1052) == "1.052"
    assert num_word(3.0) == "tre"


@pytest.mark.parametrize("share, expected", [
    (1 / 3, "en tredjedel"),
    (0.30, "knap en tredjedel"),
    (0.36, "godt en tredjedel"),
    (0.34, "omkring en tredjedel"),
    (0.47, "knap halvdelen"),
    (62 / 132, "knap halvdelen"),
    (0.45, "knap halvdelen"),          # tie 2/5 vs 1/2 -> the simpler fraction
    (0.5, "halvdelen"),
    (0.53, "godt halvdelen"),
    (0.25, "en fjerdedel"),
    (0.23, "knap en fjerdedel"),
    (0.72, "knap tre fjerdedele"),
    (0.67, "to tredjedele"),
    (0.05, "5 pct."),                  # nothing close: percent
    (0.0, "ingen"),
    (1.0, "alle"),
])
def test_fraction_word(share, expected):
    assert fraction_word(share) == expected


def test_fraction_word_errors():
    with pytest.raises(ValueError):
        fraction_word(1.2)
    with pytest.raises(ValueError):
        fraction_word(0.05, fallback=False)


class _Count:
    def __init__(self, low, high, suppressed=False):
        self.low, self.high, self.suppressed = low, high, suppressed


def test_fmt_count():
    assert fmt_count(_Count(0, 2, True)) == "<3"
    assert fmt_count(_Count(0, 4, True), min_count=5) == "<5"
    assert fmt_count(_Count(23, 29)) == "23-29"
    assert fmt_count(_Count(1023, 1029)) == "1.023-1.029"
    assert fmt_count(_Count(14, 14)) == "14"
    assert fmt_count(72) == "72"
    assert fmt_count(None) == ""


def test_fmt_est_se():
    assert F.fmt_est_se(0.05291, 0.02433, 4, p=0.0297) == "0,0529* (0,0243)"
    assert F.fmt_est_se(0.05291, 0.02433, 4) == "0,0529 (0,0243)"
    assert F.fmt_est_se(-0.5, None, 1, p=0.2) == f"{F.MINUS}0,5"
    assert F.fmt_est_se(None, 0.1) == ""
