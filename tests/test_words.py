"""Danish words for results (evalreport.author.words), boundaries included."""
import numpy as np
import pytest

from evalreport.author import words as W
from evalreport.author.formatting import MINUS


# ---------------------------------------------------------------- significance

@pytest.mark.parametrize("p, level, expected", [
    (0.0499, 0.05, True),
    (0.05, 0.05, False),            # exactly at the level: not significant
    (0.0500001, 0.05, False),
    (0.0, 0.05, True),
    (0.099, 0.10, True),
    (0.10, 0.10, False),
])
def test_is_significant_is_strictly_below_the_level(p, level, expected):
    assert W.is_significant(p, level) is expected


def test_is_significant_refuses_missing_and_impossible_p():
    with pytest.raises(ValueError):
        W.is_significant(float("nan"))
    with pytest.raises(ValueError):
        W.is_significant(1.2)


@pytest.mark.parametrize("p, expected", [
    (0.13, "p = 0,13"),
    (0.0449, "p = 0,04"),          # prints below the level, is below: two decimals
    (0.046, "p = 0,046"),          # would print "0,05": significant or not?
    (0.053, "p = 0,053"),
    (0.0496, "p = 0,0496"),        # "0,050" would still read as the level
    (0.0504, "p = 0,0504"),
    (0.05, "p = 0,05"),            # exactly the level: two decimals say it
    (0.0551, "p = 0,06"),
    (0.5, "p = 0,50"),
])
def test_p_text_has_the_precision_that_is_unambiguous_at_the_level(p, expected):
    assert W.p_text(p) == expected
    printed = float(expected.split("= ")[1].replace(",", "."))
    if p != 0.05:
        assert (printed < 0.05) == (p < 0.05) and printed != 0.05


def test_p_text_other_level_and_floor():
    assert W.p_text(0.096, level=0.10) == "p = 0,096"
    assert W.p_text(0.096) == "p = 0,10"
    assert W.p_text(0.004, floor=0.01) == "p < 0,01"


def test_level_text():
    assert W.level_text(0.05) == "5 pct.-niveau"
    assert W.level_text(0.10) == "10 pct.-niveau"
    assert W.level_text(0.001) == "0,1 pct.-niveau"


def test_significance_three_cases():
    assert W.significance(0.03) == "statistisk signifikant på 5 pct.-niveau (p = 0,03)"
    assert W.significance(0.07) == "kun statistisk signifikant på 10 pct.-niveau (p = 0,07)"
    assert W.significance(0.43) == "ikke statistisk signifikant på 5 pct.-niveau (p = 0,43)"
    assert W.significance(0.05) == "kun statistisk signifikant på 10 pct.-niveau (p = 0,05)"
    assert W.significance(0.07, weak=None) == "ikke statistisk signifikant på 5 pct.-niveau (p = 0,07)"
    assert W.significance(0.10, p_value=False) == "ikke statistisk signifikant på 5 pct.-niveau"


def test_significance_names_the_smallest_star_level():
    assert W.significance(0.0004, levels=W.STAR_LEVELS, p_value=False) == \
        "statistisk signifikant på 0,1 pct.-niveau"
    assert W.significance(0.004, levels=W.STAR_LEVELS, p_value=False) == \
        "statistisk signifikant på 1 pct.-niveau"
    assert W.significance(0.01, levels=W.STAR_LEVELS, p_value=False) == \
        "statistisk signifikant på 5 pct.-niveau"      # 0,01 is not below 0,01
    assert W.significance(0.02, levels=W.STAR_LEVELS, p_value=False) == \
        "statistisk signifikant på 5 pct.-niveau"


def test_significance_clause_word_order():
    assert W.significance_clause(0.03) == "som er statistisk signifikant på 5 pct.-niveau (p = 0,03)"
    assert W.significance_clause(0.43, lead="hvilket") == \
        "hvilket ikke er statistisk signifikant på 5 pct.-niveau (p = 0,43)"
    assert W.significance_clause(0.08, p_value=False) == \
        "som kun er statistisk signifikant på 10 pct.-niveau"


# ---------------------------------------------------------------- direction and size

@pytest.mark.parametrize("x, decimals, expected", [
    (0.04, 1, "uændret"),
    (-0.04, 1, "uændret"),           # rounds to 0,0: no direction
    (0.05, 1, "op"),                 # rounds to 0,1
    (-0.05, 1, "ned"),
    (-1.4, 0, "ned"),
    (-499, -3, "uændret"),           # an amount printed in thousands
    (-500, -3, "ned"),
])
def test_direction_follows_the_printed_value(x, decimals, expected):
    assert W.direction(x, "op", "ned", "uændret", decimals=decimals) == expected


def test_direction_with_scale():
    assert W.direction(0.0004, "op", "ned", "nul", decimals=1, scale=100) == "nul"
    assert W.direction(0.0006, "op", "ned", "nul", decimals=1, scale=100) == "op"


def test_change_words_and_articles():
    assert W.change(-1.14, "procentpoint", decimals=1) == "et fald på 1,1 procentpoint"
    assert W.change(148, "timer") == "en stigning på 148 timer"
    assert W.change(1, "timer") == "en stigning på 1 time"
    assert W.change(-0.04, "procentpoint", decimals=1) == "stort set uændret"
    assert W.change(0.053, "procentpoint", decimals=1, scale=100, up="forøgelse",
                    down="reduktion") == "en forøgelse på 5,3 procentpoint"


def test_difference():
    assert W.difference(-1.1, "procentpoint", decimals=1) == "1,1 procentpoint lavere"
    assert W.difference(2.0, "karakterpoint", decimals=1) == "2,0 karakterpoint højere"
    assert W.difference(0.03, "karakterpoint", decimals=1) == "stort set ikke anderledes"
    assert W.difference(-0.12, "procentpoint", scale=100) == "12 procentpoint lavere"


@pytest.mark.parametrize("d, expected", [
    (0.0, "meget lille"), (0.044, "meget lille"), (-0.0449, "meget lille"),
    (0.0451, "lille"),               # prints 0,05
    (0.15, "lille"), (-0.1949, "lille"),
    (-0.196, "moderat"),             # prints -0,20: called what it prints
    (0.4949, "moderat"), (0.4951, "stor"), (-1.3, "stor"),
])
def test_size_word_by_the_printed_value(d, expected):
    assert W.size_word(d) == expected


# ---------------------------------------------------------------- units

@pytest.mark.parametrize("x, decimals, expected", [
    (1, 0, "1 time"), (-1, 0, "−1 time"), (2, 0, "2 timer"), (0, 0, "0 timer"),
    (1.4, 0, "1 time"),              # printed "1"
    (1.5, 0, "2 timer"),
    (1.0, 1, "1,0 timer"),           # "1,0" is not the word "one"
    (0.6, 0, "1 time"),
])
def test_singular_only_for_a_printed_one(x, decimals, expected):
    assert W.with_unit(x, "timer", decimals) == expected


def test_unit_words_of_several_words_and_scales():
    assert W.with_unit(1, "time om året") == "1 time om året"
    assert W.with_unit(3, "time om året") == "3 timer om året"
    assert W.with_unit(0.01, "procentpoint", scale=100) == "1 procentpoint"
    assert W.with_unit(-1234, "kr.") == f"{MINUS}1.234 kr."
    assert W.with_unit(-2, "uger", absolute=True) == "2 uger"
    assert W.with_unit(2, "uger", sign=True) == "+2 uger"
    assert W.unit_word(1, "1.000 kr.") == "1.000 kr."
    assert W.with_unit(5, "ukendt enhed") == "5 ukendt enhed"


def test_count_nouns():
    assert W.count_noun(3, "familier") == "tre familier"
    assert W.count_noun(1, "familie") == "en familie"
    assert W.count_noun(1, "barn", neuter=True) == "et barn"
    assert W.count_noun(2, "barn") == "to børn"
    assert W.count_noun(13, "personer") == "13 personer"
    assert W.count_noun(np.int64(1), "person", words=False) == "1 person"


# ---------------------------------------------------------------- lists and intervals

@pytest.mark.parametrize("items, expected", [
    ([], ""), (["a"], "a"), (["a", "b"], "a og b"), (["a", "b", "c"], "a, b og c"),
    (["a", "", None, "c"], "a og c"),
])
def test_and_list(items, expected):
    assert W.and_list(items) == expected


def test_and_list_other_conjunction_and_generators():
    assert W.and_list((x for x in "abc"), conj="eller") == "a, b eller c"


def test_interval():
    assert W.interval(1.23, 3.4) == "1,2 til 3,4"
    assert W.interval(-0.025, 0.003, 1, scale=100, unit="procentpoint") == \
        f"{MINUS}2,5 til 0,3 procentpoint"
    assert W.interval(float("nan"), 1) == ""


def test_spread():
    assert W.spread([0.042, 0.053], scale=100, up="mere", down="mindre") == \
        "mellem 4,2 og 5,3 procentpoint mere"
    assert W.spread([-0.053, -0.042], scale=100, up="mere", down="mindre") == \
        "mellem 4,2 og 5,3 procentpoint mindre"
    assert W.spread([0.0421, 0.0424], scale=100, up="mere") == "4,2 procentpoint mere"
    assert W.spread([-0.012, 0.034], scale=100, up="mere", down="mindre") == \
        f"mellem {MINUS}1,2 og +3,4 procentpoint"
    assert W.spread([0.0004, 0.02], scale=100, up="mere") == "mellem 0,0 og +2,0 procentpoint"


def test_relative_effects():
    assert W.relative_share(0.05, 0.14) == pytest.approx(0.05 / 0.14)
    assert W.relative(0.05, 0.14) == "36 pct. mere end kontrolgruppen"
    assert W.relative(-0.012, 0.1) == "12 pct. mindre end kontrolgruppen"
    assert W.relative(0.0004, 0.2) == "stort set det samme som kontrolgruppen"
    assert W.relative(0.2, 0.05) == "5,0 gange så meget som kontrolgruppen"
    assert W.relative(0.199, 0.1) == "199 pct. mere end kontrolgruppen"
    assert W.times(0.2, 0.05) == "5,0"
    assert W.relative_share(0.1, 0) is None
    with pytest.raises(ValueError):
        W.relative(0.1, 0.0)


def test_runs_of_weeks():
    assert W.runs([3, 4, 5, 9]) == "uge 3\u20135 og uge 9"
    assert W.runs([9, 3]) == "uge 3 og uge 9"
    assert W.runs([]) == ""
    assert W.runs(np.array([0, 1, 2, 10, 11, 20]), noun="måned") == \
        "måned 0\u20132, måned 10\u201311 og måned 20"


# ---------------------------------------------------------------- results as arguments

def test_results_can_stand_for_their_p_value():
    from dataclasses import dataclass

    import pandas as pd

    @dataclass
    class Est:
        estimate: float
        p_value: float

    r = Est(-1.1, 0.046)
    row = pd.Series({"att": 0.053, "p_value": 0.004, "se": 0.01})
    assert W.is_significant(r) and W.p_text(r) == "p = 0,046"
    assert W.significance(row, levels=W.STAR_LEVELS, p_value=False) == \
        "statistisk signifikant på 1 pct.-niveau"
    assert W.significance_clause({"p_value": 0.2}) == \
        "som ikke er statistisk signifikant på 5 pct.-niveau (p = 0,20)"
    assert W.field(r, "att", "estimate") == -1.1 and W.field(row, "att") == 0.053
    with pytest.raises(KeyError):
        W.field(row, "ci_low")


def test_effect_words():
    row = {"att": 0.0529, "p_value": 0.03}
    assert W.effect_words(row, scale=100, p_value=False, levels=W.STAR_LEVELS) == \
        "en stigning på 5,3 procentpoint, som er statistisk signifikant på 5 pct.-niveau"
    assert W.effect_words({"att": -0.0004, "p_value": 0.9}, scale=100, p_value=False) == \
        "praktisk talt nul (0,0 procentpoint), som ikke er statistisk signifikant på 5 pct.-niveau"
    assert W.effect_words(estimate=-3, p=0.07, unit="timer", decimals=0) == \
        "et fald på 3 timer, som kun er statistisk signifikant på 10 pct.-niveau (p = 0,07)"


def test_amounts_in_prose_and_their_direction():
    assert W.kr_step(-252_000) == 10_000 and W.kr_step(99_999) == 1_000
    assert W.approx_kr(-252_000) == "godt 250.000 kr."
    assert W.approx_kr(200_900) == "omkring 200.000 kr."
    assert W.approx_kr(4_321, 5_000) == "knap 5.000 kr."
    assert W.direction(-4_999, "højere", "lavere", "lige så høje", step=10_000) == "lige så høje"
    assert W.direction(-5_000, "højere", "lavere", "lige så høje", step=10_000) == "lavere"
