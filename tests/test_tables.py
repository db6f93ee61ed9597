"""Report tables: great-tables HTML checked cell by cell, exports, print width."""
import csv
import io
import json

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from evalreport.author.tables import (
    Column, EffectRow, Panel, ReportTable, Row, Subhead, count_table, effect_table,
)

COLS = ["outcome", "mean_treated", "sd_treated", "mean_control", "sd_control", "estimate",
        "se", "ci_low", "ci_high", "p_value", "part_estimate", "part_ci_low", "part_ci_high",
        "n_treated", "n_control", "std_effect"]
# The OtO Tabel 2 numbers (shares for the education row).
ROWS = [
    ("fravaer", 8.1, 6.1, 9.6, 8.5, -1.1, 0.71, -2.5, 0.3, 0.13, -2.3, -5.3, 0.7, 258, 189, -0.15),
    ("afgang", 4.8, 2.5, 5.3, 2.0, -0.6, 0.46, -1.5, 0.3, 0.19, -1.3, -3.2, 0.7, 59, 39, -0.27),
    ("timer", 623.0, 993.0, 475.0, 731.0, 148.0, 72.0, 7.0, 290.0, 0.04, 315.0, 15.0, 617.0,
     208, 166, 0.17),
    ("udd", 0.68, 0.47, 0.77, 0.42, -0.11, 0.064, -0.23, 0.02, 0.09, -0.23, -0.49, 0.04,
     104, 84, -0.24),
]
N_FN = "{n_treated} tilbudsbørn og {n_control} kontrolbørn"


@pytest.fixture
def effects():
    return pd.DataFrame(ROWS, columns=COLS)


def build(effects, **kw):
    spec = [
        EffectRow("fravaer", "Skolefravær, aug 2019 - april 2023", 1,
                  panel="Skoleoplysninger, 0. - 9. klasse", footnote=N_FN),
        EffectRow("afgang", "Afgangseksamen, 2020, 2021 og 2022", 1,
                  panel="Skoleoplysninger, 0. - 9. klasse", footnote=N_FN),
        EffectRow("timer", "Timers beskæftigelse aug 2019 - feb 2023", 0,
                  panel="Unge (9 til 18 i 2019)", footnote=N_FN),
        EffectRow("udd", "Uddannelse aug 2019 - apr 2023, %", 0, panel="Unge (9 til 18 i 2019)",
                  footnote=N_FN, scale=100),
    ]
    kw.setdefault("notes", ["Effekterne er regressionsbaserede.",
                            "Effekten af deltagelse er korrigeret som i Bloom (1984)."])
    kw.setdefault("source", "Danmarks Statistik og Aarhus Kommune")
    return effect_table(effects, spec, id="tbl-effekter-boern",
                        caption="Gennemsnit og effekter blandt børn og unge", **kw)


def soup_of(table):
    return BeautifulSoup(table.as_html(inline_css=False), "html.parser")


def text(el):
    return " ".join(el.get_text(" ", strip=True).split())


def body_grid(soup):
    """[(kind, [texts])] for each tbody row; stub text includes footnote marks."""
    out = []
    for tr in soup.select("tbody tr"):
        if "gt_group_heading_row" in (tr.get("class") or []):
            out.append(("panel", [text(tr)]))
        elif "gt_empty_group_heading" in (tr.get("class") or []):
            continue
        else:
            cells = [c.get_text("", strip=True) for c in tr.find_all(["th", "td"])]
            out.append(("row", cells))
    return out


# --------------------------------------------------------------------------- HTML

def test_effect_table_cells_exact(effects):
    grid = body_grid(soup_of(build(effects)))
    assert grid == [
        ("panel", ["Skoleoplysninger, 0. - 9. klasse"]),
        ("row", ["Skolefravær, aug 2019 - april 2023a)", "8,1 (6,1)", "9,6 (8,5)",
                 "−1,1 (−2,5 til 0,3)", "0,13", "−2,3 (−5,3 til 0,7)"]),
        ("row", ["Afgangseksamen, 2020, 2021 og 2022b)", "4,8 (2,5)", "5,3 (2,0)",
                 "−0,6 (−1,5 til 0,3)", "0,19", "−1,3 (−3,2 til 0,7)"]),
        ("panel", ["Unge (9 til 18 i 2019)"]),
        ("row", ["Timers beskæftigelse aug 2019 - feb 2023c)", "623 (993)", "475 (731)",
                 "148 (7 til 290)", "0,04", "315 (15 til 617)"]),
        ("row", ["Uddannelse aug 2019 - apr 2023, %d)", "68 (47)", "77 (42)", "−11 (−23 til 2)",
                 "0,09", "−23 (−49 til 4)"]),
    ]


def test_header_two_rows_with_spanners(effects):
    soup = soup_of(build(effects))
    thead = soup.find("thead")
    assert thead is not None
    rows = thead.find_all("tr")
    assert len(rows) == 2
    spanners = [(text(th), th.get("colspan")) for th in rows[0].find_all("th")]
    assert spanners == [("", "1"), ("Gennemsnit (Stdafv)", "2"), ("Effekten af tilbud", "2"),
                        ("Effekten af deltagelse", "1")]
    assert rows[0].find("th").get("rowspan") == "2"      # stub head spans both rows
    leaves = [text(th) for th in rows[1].find_all("th")]
    assert leaves == ["Tilbud", "Kontrol", "Effekt (95 % KI)", "P-værdi", "Effekt (95 % KI)"]
    body = soup.find("tbody").get_text()
    assert "\u2212" in body and not any(f"-{d}" in body for d in "0123456789")  # only U+2212


def test_panel_rows_span_and_are_bold(effects):
    soup = soup_of(build(effects))
    heads = soup.select("tr.gt_group_heading_row th")
    assert [h.get("colspan") for h in heads] == ["6", "6"]
    assert all(h.find("span", class_="er-panel") for h in heads)


def test_footnote_letters_and_notes(effects):
    soup = soup_of(build(effects))
    marks = [s.get_text() for s in soup.select("tbody th sup.er-fn")]
    assert marks == ["a)", "b)", "c)", "d)"]
    lines = [text(td) for td in soup.select("tfoot td.gt_sourcenote")]
    assert lines == [
        "a) 258 tilbudsbørn og 189 kontrolbørn",
        "b) 59 tilbudsbørn og 39 kontrolbørn",
        "c) 208 tilbudsbørn og 166 kontrolbørn",
        "d) 104 tilbudsbørn og 84 kontrolbørn",
        "Anm.: Effekterne er regressionsbaserede.",
        "Effekten af deltagelse er korrigeret som i Bloom (1984).",
        "Kilde: Danmarks Statistik og Aarhus Kommune",
    ]
    assert soup.find("caption") is None                    # the engine numbers the caption


def test_shared_footnote_text_shares_letter(effects):
    t = effect_table(effects, [EffectRow("fravaer", "A", footnote="Samme"),
                               EffectRow("afgang", "B", footnote="Samme"),
                               EffectRow("timer", "C", 0, footnote="Anden")],
                     id="tbl-x")
    assert [t.stub_text(r) for r in t.rows] == ["Aa)", "Ba)", "Cb)"]
    assert t.footnotes() == [("a", "Samme"), ("b", "Anden")]


def test_column_and_spanner_footnotes_come_first(effects):
    t = build(effects)
    t.columns[3].footnote = "Tosidet t-test."
    t.spanner_footnotes["Effekten af deltagelse"] = "Bloom-korrektion."
    assert [m for m, _ in t.footnotes()][:2] == ["a", "b"]
    assert t.footnotes()[0] == ("a", "Bloom-korrektion.")
    assert t.footnotes()[1] == ("b", "Tosidet t-test.")
    soup = soup_of(t)
    assert [s.get_text() for s in soup.select("thead sup.er-fn")] == ["a)", "b)"]
    assert t.stub_text(t.rows[1]) == "Skolefravær, aug 2019 - april 2023c)"


def test_fixed_id_and_byte_identical(effects):
    t = build(effects)
    h1, h2 = t.as_html(), build(effects).as_html()
    assert h1 == h2
    soup = BeautifulSoup(h1, "html.parser")
    assert soup.find("div", id="tbl-effekter-boern-gt") is not None
    # The engine's wrapper div carries id="tbl-effekter-boern"; we must not repeat it.
    assert soup.find(id="tbl-effekter-boern") is None
    assert "\n\n" not in h1                                 # no blank lines in raw HTML blocks


def test_great_tables_style_block_removed(effects):
    h = build(effects).as_html(inline_css=False)
    assert "<style" not in h
    assert "border-style: none" not in h
    inline = build(effects).as_html(inline_css=True)
    assert inline.count("<style>") == 1 and ".er-gt" in inline


def test_stars_and_legend(effects):
    t = build(effects, stars=True)
    assert t.display.loc["timer", "itt"] == "148* (7 til 290)"
    assert t.display.loc["udd", "itt"] == "−11# (−23 til 2)"
    assert t.display.loc["fravaer", "itt"] == "−1,1 (−2,5 til 0,3)"
    assert t.display.loc["timer", "part"] == "315 (15 til 617)"
    lines = [text for _, text in t.note_lines()]
    assert "Signifikansniveauer: # p < 0,10; * p < 0,05; ** p < 0,01; *** p < 0,001." in lines
    assert build(effects).star_levels is None


def test_subheads_and_indent(effects):
    t = effect_table(effects, [
        Panel("Voksne (19 til 68 i 2019)"),
        Subhead("Timers beskæftigelse aug 2019 - feb 2023"),
        EffectRow("timer", "Samlet", 0, indent=1),
        EffectRow("afgang", "Ordinære", 0, indent=1),
        Panel("Familier"),
        EffectRow("fravaer", "Samlet", 0),
    ], id="tbl-voksne", participation=False)
    assert [r.key for r in t.rows] == [
        "panel: Voksne (19 til 68 i 2019)", "subhead: Timers beskæftigelse aug 2019 - feb 2023",
        "timer", "afgang", "panel: Familier", "fravaer"]
    soup = soup_of(t)
    stubs = soup.select("tbody th.gt_stub")
    assert [text(s) for s in stubs] == ["Timers beskæftigelse aug 2019 - feb 2023", "Samlet",
                                        "Ordinære", "Samlet"]
    assert stubs[0].find("span", class_="er-subhead")
    assert "gt_indent_1" in stubs[1]["class"] and "gt_indent_1" not in stubs[3]["class"]
    assert len(soup.select("thead tr")[1].find_all("th")) == 4   # no participation column


def test_escaping_and_count_table():
    class Count:  # same attributes as analysis.disclosure.Count
        def __init__(self, low, high, suppressed=False):
            self.low, self.high, self.suppressed = low, high, suppressed
    s = Count(0, 2, True)
    frame = pd.DataFrame({"mar.21": [5, s, Count(23, 29)], "feb.23": [6, 3, Count(57, 59)],
                          "Antal over indsatsperioden (højest)": [14, 3, 72]},
                         index=["Fuldtidsbeskæftigede", "Småjob (< 15 timer)", "I alt"])
    t = count_table(frame, id="tbl-a1", spanners={"Antal": ["mar.21", "feb.23"]},
                    stubhead="Forsørgelsesgrundlag", source="DREAM")
    h = t.as_html(inline_css=False)
    assert "&lt;3" in h and "(&lt; 15 timer)" in h
    grid = body_grid(BeautifulSoup(h, "html.parser"))
    assert grid == [("row", ["Fuldtidsbeskæftigede", "5", "6", "14"]),
                    ("row", ["Småjob (< 15 timer)", "<3", "3", "3"]),
                    ("row", ["I alt", "23-29", "57-59", "72"])]
    raw = list(csv.reader(io.StringIO(t.raw_csv())))
    assert raw[0] == ["row", "c1.low", "c1.high", "c1.suppressed", "c2.low", "c2.high",
                      "c2.suppressed", "c3.low", "c3.high", "c3.suppressed"]
    assert raw[2] == ["Småjob (< 15 timer)", "0", "2", "true", "3", "3", "false", "3", "3", "false"]
    assert raw[3][1:3] == ["23", "29"]
    disp = list(csv.reader(io.StringIO(t.display_csv())))
    assert disp[0] == ["Forsørgelsesgrundlag", "Antal: mar.21", "Antal: feb.23",
                       "Antal over indsatsperioden (højest)"]


# --------------------------------------------------------------------------- export

def test_export_matches_html_and_raw_is_exact(effects, tmp_path):
    effects.loc[0, "estimate"] = 0.1 + 0.2 - 1.4      # a float with a long repr
    t = build(effects)
    paths = t.export(tmp_path)
    assert sorted(p.name for p in paths.values()) == [
        "tbl-effekter-boern.display.csv", "tbl-effekter-boern.json", "tbl-effekter-boern.raw.csv"]
    data = paths["display"].read_bytes()
    assert b"\r" not in data and not data.startswith(b"\xef\xbb\xbf")
    disp = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    assert disp[0] == ["", "Gennemsnit (Stdafv): Tilbud", "Gennemsnit (Stdafv): Kontrol",
                       "Effekten af tilbud: Effekt (95 % KI)", "Effekten af tilbud: P-værdi",
                       "Effekten af deltagelse: Effekt (95 % KI)"]
    # Every body row of the HTML equals the CSV row (panel rows: label, then empty cells).
    html_rows = body_grid(soup_of(t))
    csv_rows = disp[1:]
    assert len(html_rows) == len(csv_rows)
    for (kind, cells), row in zip(html_rows, csv_rows):
        if kind == "panel":
            assert row == cells + [""] * 5
        else:
            assert row == cells

    raw = list(csv.reader(io.StringIO(paths["raw"].read_text(encoding="utf-8"))))
    header = raw[0]
    assert header[0] == "row" and "itt.estimate" in header and "p" in header
    assert [r[0] for r in raw[1:]] == [r.key for r in t.rows]
    fr = dict(zip(header, raw[2]))
    assert fr["itt.estimate"] == repr(0.1 + 0.2 - 1.4)
    assert float(fr["itt.estimate"]) == 0.1 + 0.2 - 1.4
    assert fr["treated.n"] == "258" and fr["p"] == "0.13"
    ud = dict(zip(header, raw[-1]))
    assert ud["treated.mean"] == "0.68"                     # raw keeps the unscaled share

    meta = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert meta["id"] == "tbl-effekter-boern"
    assert meta["caption"] == "Gennemsnit og effekter blandt børn og unge"
    assert [s["label"] for s in meta["spanners"]] == [
        "Gennemsnit (Stdafv)", "Effekten af tilbud", "Effekten af deltagelse"]
    assert meta["columns"][4] == {"key": "part", "label": "Effekt (95 % KI)",
                                  "spanner": "Effekten af deltagelse", "align": "right",
                                  "header": "Effekten af deltagelse: Effekt (95 % KI)",
                                  "footnotes": []}
    assert meta["footnotes"][0] == {"mark": "a", "text": "258 tilbudsbørn og 189 kontrolbørn"}
    assert meta["rows"][1]["footnotes"] == ["a"]
    assert meta["notes"][0] == "Effekterne er regressionsbaserede."
    assert meta["source"] == "Danmarks Statistik og Aarhus Kommune"

    again = t.export(tmp_path)                                # deterministic bytes
    assert again["json"].read_bytes() == paths["json"].read_bytes()


def test_repr_html_exports_when_env_set(effects, tmp_path, monkeypatch):
    t = build(effects)
    monkeypatch.delenv("EVALREPORT_TABLES_DIR", raising=False)
    standalone = t._repr_html_()
    assert "<style>" in standalone and not list(tmp_path.iterdir())
    monkeypatch.setenv("EVALREPORT_TABLES_DIR", str(tmp_path / "tabeller"))
    in_build = t._repr_html_()
    assert "<style>" not in in_build                          # the page links tables.css
    assert (tmp_path / "tabeller" / "tbl-effekter-boern.display.csv").exists()
    assert (tmp_path / "tabeller" / "tbl-effekter-boern.raw.csv").exists()


# --------------------------------------------------------------------------- generic / checks

def test_from_frames_generic():
    raw = pd.DataFrame({"familier": [40, 64, 119], "kontrol": [16, 26, 49],
                        "andel": [0.458333, 0.5263, 0.44295]}, index=["1", "2", "3"])
    t = ReportTable.from_frames(None, raw, id="tbl-strata", decimals={"andel": 3},
                                labels={"familier": "Antal familier", "kontrol": "Kontrol-familier",
                                        "andel": "Andel, der takkede ja"},
                                stubhead="Stratum", notes="Ingen totalrække.")
    assert t.display.loc["3"].tolist() == ["119", "49", "0,443"]
    assert [c.label for c in t.columns] == ["Antal familier", "Kontrol-familier",
                                            "Andel, der takkede ja"]
    assert t.raw_csv().splitlines()[1] == "1,40,16,0.458333"
    soup = soup_of(t)
    assert text(soup.select("thead th")[0]) == "Stratum"
    assert len(soup.select("thead tr")) == 1


def test_from_frames_duplicate_labels_and_kinds():
    disp = pd.DataFrame({"Tilbud": ["", "857", "", "931"], "Kontrol": ["", "1.116", "", "1.159"]},
                        index=["Timer", "Samlet", "Udgifter", "Samlet"])
    t = ReportTable.from_frames(disp, id="tbl-dup", row_kinds={"Timer": "subhead", "Udgifter": "panel"},
                                indent={"Samlet": 1})
    assert [r.key for r in t.rows] == ["Timer", "Samlet", "Udgifter", "Samlet (2)"]
    assert [c.key for c in t.columns] == ["Tilbud", "Kontrol"]
    assert body_grid(soup_of(t))[2] == ("panel", ["Udgifter"])


def test_validation_errors(effects):
    with pytest.raises(ValueError, match="table id"):
        build(effects).__class__(id="Tabel 2", columns=[], rows=[],
                                 display=pd.DataFrame(), raw=pd.DataFrame())
    cols = [Column("a", "A", "S"), Column("b", "B"), Column("c", "C", "S")]
    rows = [Row("r", "R")]
    disp = pd.DataFrame([["1", "2", "3"]], index=["r"], columns=["a", "b", "c"])
    with pytest.raises(ValueError, match="not adjacent"):
        ReportTable("tbl-x", cols, rows, disp, disp.copy())
    with pytest.raises(ValueError, match="empty cells"):
        ReportTable("tbl-x", [Column("a", "A")], [Row("r", "R", "panel")],
                    pd.DataFrame([["1"]], index=["r"], columns=["a"]), pd.DataFrame(index=["r"]))
    with pytest.raises(ValueError, match="raw column"):
        ReportTable("tbl-x", [Column("a", "A")], rows, pd.DataFrame([["1"]], index=["r"], columns=["a"]),
                    pd.DataFrame([[1]], index=["r"], columns=["zz"]))
    with pytest.raises(KeyError, match="nope"):
        effect_table(effects, [EffectRow("nope", "X")], id="tbl-x")


# --------------------------------------------------------------------------- print

def test_fits_a4_in_weasyprint(effects):
    """The table is no wider than the A4 text block (print.css margins)."""
    weasyprint = pytest.importorskip("weasyprint")
    from evalreport.author.tables import tables_css

    t = build(effects, stars=True)
    page_css = "@page { size: A4; margin: 24mm 20mm 22mm 22mm; } html { font-size: 10.5pt; }"
    html = (f"<html><head><style>{page_css}\n{tables_css()}</style></head><body>"
            f'<div class="er-table">{t.as_html(inline_css=False)}</div></body></html>')
    doc = weasyprint.HTML(string=html).render()
    page = doc.pages[0]._page_box
    right = page.content_box_x() + page.width
    widest = 0.0
    stack = [page]
    while stack:
        box = stack.pop()
        if type(box).__name__ in ("TableBox", "TableCellBox"):
            widest = max(widest, box.position_x + box.margin_width())
        stack.extend(getattr(box, "children", []))
    assert 0 < widest <= right + 0.5


def test_fast_cell_access_gives_great_tables_own_html(effects):
    # author/tables/_gt_speed.py: iat instead of great-tables' iloc, the same HTML byte for byte
    from great_tables import _tbl_data

    from evalreport.author.tables import _gt_speed

    def tables():
        return [build(effects), build(effects, participation=False, notes=None),
                effect_table(effects, [Panel("Voksne <19>"), Subhead("Timer & uger"),
                                       EffectRow("timer", "Samlet", 0, indent=1, footnote="a & b"),
                                       EffectRow("udd", "I alt", 0, scale=100)], id="tbl-x")]

    fast = [t.as_html(inline_css=False) for t in tables()]
    assert _tbl_data._set_cell.dispatch(pd.DataFrame) is _gt_speed._set_cell
    with _gt_speed.great_tables_own_cell_access():
        own = [t.as_html(inline_css=False) for t in tables()]
        assert _tbl_data._set_cell.dispatch(pd.DataFrame) is not _gt_speed._set_cell
    assert _tbl_data._set_cell.dispatch(pd.DataFrame) is _gt_speed._set_cell
    assert fast == own and len(set(fast)) == 3
