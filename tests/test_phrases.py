"""Danish phrase templates: wording follows sign, size and significance."""
import jinja2
import pytest

from evalreport.author import phrases
from evalreport.author.phrases import phrase, phrase_text


def test_effect_sentence_exact():
    assert phrase_text("effekt", est=-1.1, lo=-2.5, hi=0.3, p=0.13) == (
        "Effekten er en reduktion på 1,1 procentpoint (95 pct. KI −2,5 til 0,3), "
        "som ikke er statistisk signifikant på 5 pct.-niveau (p = 0,13).")


def test_effect_sign_flips_direction_word():
    neg = phrase_text("effekt", est=-1.1, lo=-2.5, hi=0.3, p=0.13)
    pos = phrase_text("effekt", est=1.1, lo=-0.3, hi=2.5, p=0.13)
    assert "en reduktion på 1,1 procentpoint" in neg and "stigning" not in neg
    assert "en stigning på 1,1 procentpoint" in pos and "reduktion" not in pos
    assert "(95 pct. KI −0,3 til 2,5)" in pos


def test_effect_significance_levels():
    sig5 = phrase_text("effekt", est=148, lo=7, hi=290, p=0.04, unit="timer", decimals=0)
    sig10 = phrase_text("effekt", est=-11, lo=-23, hi=2, p=0.09, decimals=0)
    ns = phrase_text("effekt", est=-11, lo=-23, hi=2, p=0.13, decimals=0)
    assert sig5 == ("Effekten er en stigning på 148 timer (95 pct. KI 7 til 290), "
                    "som er statistisk signifikant på 5 pct.-niveau (p = 0,04).")
    assert sig10.endswith("som kun er statistisk signifikant på 10 pct.-niveau (p = 0,09).")
    assert ns.endswith("som ikke er statistisk signifikant på 5 pct.-niveau (p = 0,13).")
    assert "10 pct." not in ns
    # p exactly at the level is not significant (p < level); near it p gets a third decimal
    assert "som ikke er" in phrase_text("effekt", est=1, lo=0, hi=2, p=0.05, decimals=0, svag=None)
    assert phrase_text("effekt", est=1, lo=0, hi=2, p=0.046, decimals=0).endswith(
        "som er statistisk signifikant på 5 pct.-niveau (p = 0,046).")
    assert phrase_text("niveau", est=-1.1, p=0.053, udfald="fraværet").endswith(
        "men forskellen er kun statistisk signifikant på 10 pct.-niveau (p = 0,053).")


def test_effect_rounding_to_zero_and_custom_words():
    zero = phrase_text("effekt", est=-0.04, lo=-0.2, hi=0.15, p=0.7)
    assert zero == ("Effekten er praktisk talt nul (0,0 procentpoint; 95 pct. KI −0,2 til 0,2; "
                    "p = 0,70).")
    fald = phrase_text("effekt", est=-1, lo=-1.8, hi=-0.2, p=0.01, unit="timer", decimals=0,
                       op="forøgelse", ned="fald")
    assert fald.startswith("Effekten er et fald på 1 time (")      # neuter article, singular unit
    kr = phrase_text("effekt", est=-252_000, lo=-867_000, hi=362_000, p=0.42, unit="kr.",
                     decimals=0, subjekt="effekten på de kommunale udgifter")
    assert kr.startswith("Effekten på de kommunale udgifter er en reduktion på 252.000 kr. (95 pct. KI "
                         "−867.000 til 362.000)")


def test_participation_effect():
    s = phrase_text("effekt_deltagelse", est=-2.3, lo=-5.3, hi=0.7, andel=62 / 132)
    assert s == ("Da kun knap halvdelen (47 pct.) af de tilbudte familier tog imod tilbuddet, "
                 "er effekten af at deltage større end effekten af at blive tilbudt det. "
                 "Effekten af at deltage svarer til en reduktion på 2,3 procentpoint "
                 "(95 pct. KI −5,3 til 0,7).")
    assert "en stigning på 2,3" in phrase_text("effekt_deltagelse", est=2.3, lo=-0.7, hi=5.3)


def test_level_and_count_differences():
    lower = phrase_text("niveau", est=-1.1, p=0.13, udfald="skolefraværet")
    higher = phrase_text("niveau", est=1.1, p=0.03, udfald="skolefraværet")
    assert lower == ("Skolefraværet er 1,1 procentpoint lavere i tilbudsgruppen end i kontrolgruppen, "
                     "men forskellen er ikke statistisk signifikant på 5 pct.-niveau (p = 0,13).")
    assert higher == ("Skolefraværet er 1,1 procentpoint højere i tilbudsgruppen end i kontrolgruppen, "
                      "og forskellen er statistisk signifikant på 5 pct.-niveau (p = 0,03).")
    more = phrase_text("forskel", est=148, p=0.04, hvad="med beskæftigelse")
    fewer = phrase_text("forskel", est=-3, p=0.4, unit="underretninger")
    assert more == ("Tilbudsgruppen havde i gennemsnit 148 flere timer med beskæftigelse end "
                    "kontrolgruppen, og forskellen er statistisk signifikant på 5 pct.-niveau (p = 0,04).")
    assert fewer.startswith("Tilbudsgruppen havde i gennemsnit 3 færre underretninger end kontrolgruppen, men")
    assert "lige mange underretninger" in phrase_text("forskel", est=0.2, p=0.9, unit="underretninger")


def test_bullet_with_approximate_number():
    assert phrase_text("punkt", est=-2.3, p=0.13, hvad="skolefraværet", step=0.5, decimals=1) == (
        "Skolefraværet faldt med knap 2,5 procentpoint (ikke statistisk signifikant på 5 pct.-niveau).")
    assert phrase_text("punkt", est=87, p=0.04, hvad="beskæftigelsen", unit="timer", step=10) == (
        "Beskæftigelsen steg med knap 90 timer (statistisk signifikant på 5 pct.-niveau).")


def test_shares_and_counts_in_words():
    assert phrase_text("andel", antal=62, ud_af=132, hvem="de tilbudte familier",
                       udsagn="takkede ja til tilbuddet") == (
        "Knap halvdelen af de tilbudte familier (62 ud af 132, svarende til 47 pct.) "
        "takkede ja til tilbuddet.")
    assert phrase_text("andel", antal=1, ud_af=4, hvem="børnene", udsagn="fik en underretning") \
        .startswith("En fjerdedel af børnene")
    assert phrase_text("antal", n=3, enhed="familier") == "tre familier"
    assert phrase_text("antal", n=1, enhed="familie") == "en familie"
    assert phrase_text("antal", n=1, enhed="barn", flertal="børn", neuter=True) == "et barn"
    assert phrase_text("antal", n=13, enhed="barn", flertal="børn") == "13 børn"


def test_markdown_object():
    m = phrase("effekt", est=-1.1, lo=-2.5, hi=0.3, p=0.13)
    assert type(m).__name__ == "Markdown"
    assert m._repr_markdown_().startswith("Effekten er en reduktion")


def test_strict_errors():
    with pytest.raises(jinja2.UndefinedError):
        phrase_text("effekt", est=-1.1, lo=-2.5, hi=0.3)              # p missing
    with pytest.raises(TypeError):
        phrase_text("effekt", est=1, lo=0, hi=2, p=0.1, enhed="timer")  # unknown argument
    with pytest.raises(LookupError):
        phrase_text("findes_ikke", x=1)
    with pytest.raises(ValueError):
        phrase_text("effekt", est=1, lo=0, hi=2, p=float("nan"))       # NaN p is not "not significant"


def test_environment_filters_and_override(tmp_path, monkeypatch):
    env = phrases.environment()
    for name in ("num", "pct", "ci", "p", "kr", "stars", "num_word", "fraction_word"):
        assert name in env.filters
    assert env.from_string("{{ x | num(1) }}|{{ p is significant(0.05) }}|{{ p | stars }}").render(
        x=-1014.25, p=0.03) == "−1.014,3|True|*"
    (tmp_path / "mine.j2").write_text("{% macro hej(n) %}Der er {{ n | num_word }} børn.{% endmacro %}",
                                      encoding="utf-8")
    monkeypatch.setenv("EVALREPORT_PHRASES_PATH", str(tmp_path))
    assert phrase_text("mine.hej", n=3) == "Der er tre børn."
    assert phrases.PHRASES_DIR.is_dir()
