"""The figure house style and the standard figures (evalreport.author.figures)."""
import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.ticker import FixedLocator  # noqa: E402

from evalreport.author import figures as G  # noqa: E402
from evalreport.author.formatting import MINUS  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def labels(axis):
    axis.figure.canvas.draw()
    return [t.get_text() for t in axis.get_ticklabels() if t.get_text()]


def test_house_style_uses_the_packaged_source_sans():
    fig, ax = G.new_figure()
    font = font_manager.findfont(font_manager.FontProperties(family=matplotlib.rcParams["font.family"]))
    assert font.endswith("SourceSansPro-Regular.ttf"), font
    assert matplotlib.rcParams["svg.fonttype"] == "path"           # the font shows in an <img>
    assert list(matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]) == list(G.PALETTE)
    assert fig.get_size_inches()[0] == pytest.approx(6.3)
    ax.plot([0, 1], [0, 1])
    ax.set_title("Effekt")
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    svg = buf.getvalue()
    assert "<text" not in svg and "DejaVu" not in svg


@pytest.mark.parametrize("locs, expected", [
    ([-2.5, 0, 2.5, 5], [f"{MINUS}2,5", "0,0", "2,5", "5,0"]),   # BOT Figur 4.3 printed 2,5 as "3"
    ([0, 5, 10], ["0", "5", "10"]),
    ([0, 0.25, 0.5], ["0,00", "0,25", "0,50"]),
    ([1000, 1500, 2000], ["1.000", "1.500", "2.000"]),
])
def test_danish_tick_labels_have_the_decimals_they_need(locs, expected):
    fig, ax = G.new_figure()
    ax.set_ylim(min(locs), max(locs))
    ax.yaxis.set_major_locator(FixedLocator(locs))
    assert labels(ax.yaxis) == expected


def test_year_axis_without_thousands_separator():
    fig, ax = G.new_figure()
    ax.plot([2012, 2020], [1, 2])
    G.danish_ticks(ax, "x", group=False)
    ax.xaxis.set_major_locator(FixedLocator([2012, 2016, 2020]))
    assert labels(ax.xaxis) == ["2012", "2016", "2020"]


def test_tick_formatter_scale_and_suffix():
    fmt = G.DanishFormatter(scale=100, suffix=" %")
    fmt.set_locs([0.0, 0.125, 0.25])
    assert [fmt(v, i) for i, v in enumerate([0.0, 0.125, 0.25])] == ["0,0 %", "12,5 %", "25,0 %"]
    fixed = G.DanishFormatter(decimals=2)
    fixed.set_locs([1.0])
    assert fixed(1.0, 0) == "1,00"


def weekly(n=53, level=0.02):
    w = np.arange(n)
    est = level * np.sin(w / 8.0)
    return pd.DataFrame({"att": est, "ci_low": est - 0.01, "ci_high": est + 0.01}, index=w)


def test_effects_over_time_panels_band_and_zero_line():
    f = weekly()
    fig = G.effects_over_time([(f, "Privat praktik"), (f * 2, "Løntilskud")], scale=100,
                              xlabel="Uger efter start", ylabel="Procentpoint", xlim=(0, 52), xstep=4)
    a1, a2 = fig.axes
    assert [a1.get_title(loc="left"), a2.get_title(loc="left")] == ["Privat praktik", "Løntilskud"]
    line = [ln for ln in a2.get_lines() if ln.get_label() == "Effekt"][0]
    np.testing.assert_allclose(line.get_ydata(), f["att"] * 200)
    assert any(list(ln.get_ydata()) == [0, 0] for ln in a1.get_lines())        # zero line
    assert len(a1.collections) == 1                                            # the CI band
    assert [t.get_text() for t in a1.get_legend().get_texts()] == ["95 pct.-konfidensinterval",
                                                                   "Effekt"]
    assert {"0", "4", "8", "52"} <= set(labels(a2.xaxis))
    single = G.effects_over_time([(f, "Uden titel")], scale=100)
    assert single.axes[0].get_title(loc="left") == ""


def test_dot_whisker_categories_whiskers_and_groups():
    frame = pd.DataFrame({
        "kode": ["(1)", "(2)", "(3)", "(1)", "(2)", "(3)"],
        "gruppe": ["Mænd"] * 3 + ["Kvinder"] * 3,
        "est": [1.0, -0.5, 2.0, 1.5, 0.2, -1.0],
        "lo": [0.2, -1.5, 1.0, 0.5, -0.6, -2.5], "hi": [1.8, 0.5, 3.0, 2.5, 1.0, 0.5],
    })
    ax = G.dot_whisker(frame, label="kode", estimate="est", ci=("lo", "hi"), group="gruppe",
                       xlabel="Effekt, procentpoint", refs=(-2, 2))
    assert labels(ax.yaxis) == ["(1)", "(2)", "(3)"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["(1)", "(2)", "(3)"]
    ypos = {t.get_text(): t.get_position()[1] for t in ax.get_yticklabels()}
    assert ypos["(1)"] > ypos["(2)"] > ypos["(3)"]                      # first category on top
    assert len(ax.collections) == 4                                     # 2 x (whiskers, dots)
    whiskers = ax.collections[0].get_segments()
    assert [tuple(s[:, 0]) for s in whiskers] == [(0.2, 1.8), (-1.5, 0.5), (1.0, 3.0)]
    xs = sorted({round(ln.get_xdata()[0], 6) for ln in ax.get_lines()})
    assert xs == [-2, 0, 2]                                             # zero and reference lines
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Mænd", "Kvinder"]


def test_dot_whisker_log_scale_drops_nonpositive():
    frame = pd.DataFrame({"v": ["a", "b"], "r": [0.0, 2.0]})
    ax = G.dot_whisker(frame, label="v", estimate="r", zero=1, refs=(0.5, 2), xscale="log")
    assert ax.get_xscale() == "log"
    assert labels(ax.xaxis) == ["0,5", "1,0", "2,0"]                  # the reference lines
    assert len(ax.collections[0].get_offsets()) == 1


def test_histogram_and_density():
    rng = np.random.default_rng(1)
    ax = G.histogram({"Deltagere": rng.normal(0, 1, 200), "Kontrol": rng.normal(1, 1, 300)},
                     bins=10, density=True)
    assert len(ax.patches) == 2 and ax.get_legend() is not None
    x = np.array([0.2, 0.4, 0.6])
    grid = np.linspace(0, 1, 101)
    f = G.weighted_density(x, [1, 1, 1], grid, 0.05)
    assert np.trapezoid(f, grid) == pytest.approx(1, abs=1e-3)
    g = G.weighted_density(x, [1, 1, -0.5], grid, 0.05)                 # negative weights allowed
    assert g.min() == 0
    ax = G.density({"Deltagere": x, "Kontrol": x}, grid=grid, bandwidth=0.05,
                   weights={"Kontrol": [2, 1, 1]}, xlabel="Propensity score")
    assert [ln.get_label() for ln in ax.get_lines()] == ["Deltagere", "Kontrol"]


def test_histogram_leaves_out_bins_with_fewer_than_the_minimum_count():
    # Bins [0,1) … [4,5): 40, 2, 0, 1, 30 observations in A; B has 5 in the second bin.
    a = np.r_[np.full(40, 0.5), [1.5, 1.5], np.full(1, 3.5), np.full(30, 4.5)]
    b = np.full(5, 1.5)
    edges = np.arange(6.0)
    ax = G.histogram({"A": a, "B": b}, bins=edges, min_count=3)
    heights = {p.get_label(): p.get_data().values for p in ax.patches}
    expected_a = np.histogram(a, bins=edges)[0].astype(float)
    expected_a[[1, 3]] = np.nan                              # 2 and 1 observations: not shown
    np.testing.assert_array_equal(heights["A"], expected_a)
    np.testing.assert_array_equal(heights["B"], np.histogram(b, bins=edges)[0])   # 5 ≥ 3, zeros shown
    assert G.hidden_bins({"A": a, "B": b}, bins=edges, min_count=3) == 2
    assert G.hidden_bins({"A": a, "B": b}, bins=edges, min_count=1) == 0
    assert G.hidden_bins_note(2, min_count=3, unit="besvarelser") == (
        "Af hensyn til diskretionen er 2 søjler med færre end 3 besvarelser udeladt (de står som et hul i figuren).")
    assert G.hidden_bins_note(0, min_count=3) == ""
    # Density and weights: the heights are the weighted density; the rule counts persons.
    w = np.r_[np.full(40, 2.0), [50.0, 50.0], [1.0], np.full(30, 1.0)]
    ax = G.histogram({"A": a}, bins=edges, weights={"A": w}, density=True, min_count=3)
    dens = np.histogram(a, bins=edges, weights=w, density=True)[0]
    got = ax.patches[0].get_data().values
    assert np.isnan(got[1]) and np.isnan(got[3]) and got[0] == pytest.approx(dens[0])


def test_km_curves_are_step_functions_from_one():
    table = pd.DataFrame({
        "group": ["Indsats"] * 3 + ["Kontrol"] * 3,
        "time": [2, 5, 9, 1, 4, 9],
        "survival": [0.9, 0.7, 0.6, 0.8, 0.5, 0.3],
        "ci_low": [0.8, 0.6, 0.5, 0.7, 0.4, 0.2], "ci_high": [1.0, 0.8, 0.7, 0.9, 0.6, 0.4],
    })
    ax = G.km_curves(table, scale=100, xlabel="Måneder", ylabel="Pct. uden hændelse")
    first = ax.get_lines()[0]
    assert first.get_drawstyle() == "steps-post"
    assert list(first.get_xdata()) == [0, 2, 5, 9]
    assert list(first.get_ydata()) == [100, 90, 70, 60]
    assert len(ax.collections) == 2
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Indsats", "Kontrol"]
    bare = G.km_curves(table.drop(columns=["ci_low", "ci_high"]), ci=None, group="group")
    assert len(bare.collections) == 0


def test_km_curves_apply_the_disclosure_rule_to_what_they_show():
    from analysis import survival as sv
    from evalreport.errors import DisclosureError
    from lifelines.datasets import load_lung

    lung = load_lung()
    fine = sv.km_table(lung["time"], lung["status"], lung["sex"], list(range(1, 1000, 7)))
    with pytest.raises(DisclosureError, match="færre end 3 hændelser"):
        G.km_curves(fine, min_count=3)                   # weekly steps of one or two deaths
    coarse = sv.km_table(lung["time"], lung["status"], lung["sex"], [180, 360, 540, 720, 900])
    # (the tail: 720 and 900 days have few men/women left at risk)
    at_risk = coarse.set_index(["group", "time"])["n_at_risk"]
    ax = G.km_curves(coarse, min_count=10, ci=None)
    for line, g in zip(ax.get_lines(), [1, 2]):
        shown = [t for t in line.get_xdata() if t > 0]
        assert all(at_risk[(g, t)] >= 10 for t in shown)
        hidden = [t for t in (180, 360, 540, 720, 900) if t not in shown]
        assert hidden and all(at_risk[(g, t)] < 10 for t in hidden[:1])   # cut at the first time below
    plt.close("all")


def test_km_curves_cumulative_incidence_rises_from_zero():
    table = pd.DataFrame({"group": ["A", "A"], "time": [13, 26], "survival": [0.75, 0.6],
                          "ci_low": [0.7, 0.55], "ci_high": [0.8, 0.65]})
    ax = G.km_curves(table, scale=100, cumulative=True)
    line = ax.get_lines()[0]
    assert list(line.get_xdata()) == [0, 13, 26]
    assert list(np.round(line.get_ydata(), 6)) == [0, 25, 40]
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    assert band.max() == pytest.approx(45) and band.min() == pytest.approx(0)


def test_flow_diagram_prints_danish_counts():
    fig = G.flow_diagram([("Indberettede deltagere", 1234), ("På offentlig forsørgelse", 1100),
                          ("Analysestikprøven", 1050)],
                         [("Ikke på forsørgelse", 134), ("Bopæl i Skanderborg", 50)])
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "Indberettede deltagere\nn = 1.234" in texts
    assert "Bopæl i Skanderborg\nn = 50" in texts
    assert len(fig.axes[0].patches) == 5 + 4                            # 5 boxes, 4 arrows
    with pytest.raises(ValueError):
        G.flow_diagram([])


@pytest.mark.parametrize("steps, exclusions, words", [
    ([("Udtrukket", 120), ("Startet", 100)], [("Udeblev", 2)], "boksen 'Udeblev' viser n = 2"),
    ([("Udtrukket", 120), ("Startet", 118)], [], "falder antallet med 2, som kan regnes ud"),
    ([("Udtrukket", 120), ("Fra Kerteminde", 1)], [None], "boksen 'Fra Kerteminde' viser n = 1"),
])
def test_flow_diagram_refuses_counts_below_the_minimum(steps, exclusions, words):
    from evalreport.errors import DisclosureError

    with pytest.raises(DisclosureError, match="færre end 3 personer") as caught:
        G.flow_diagram(steps, exclusions, min_count=3)
    assert words in str(caught.value)


def test_flow_diagram_allows_what_the_rule_allows():
    # a step that loses no one (0), a shown exclusion of 3, a count left out (None), and a drop that
    # is only small because it is shown next to the arrow anyway
    fig = G.flow_diagram([("Udtrukket", 120), ("Startet", 120), ("Fulgt", 117), ("Svarede", None)],
                         [None, ("Flyttede", 3), None], min_count=3)
    assert "Flyttede\nn = 3" in [t.get_text() for t in fig.axes[0].texts]
    plt.close(fig)
    with pytest.raises(Exception, match="falder antallet med 4"):
        G.flow_diagram([("Udtrukket", 120), ("Startet", 116)], min_count=5)


def test_bar_chart_labels_bars_in_danish():
    ax = G.bar_chart(["Mænd", "Kvinder"], {"Før": [0.125, 0.2], "Efter": [0.3, 0.41]}, scale=100,
                     decimals=1, ylabel="Pct.")
    bar_labels = [t.get_text() for t in ax.texts]
    assert bar_labels == ["12,5", "20,0", "30,0", "41,0"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Mænd", "Kvinder"]
