"""The disclosure gate: a build whose tables, raw files or text would show a number from
fewer than min-count persons stops before anything is published, naming report, table,
row, column and rule."""
import json

import pandas as pd
import pytest

from evalreport.build import BuildOptions, build_report
from evalreport.config import load_project
from evalreport.errors import DisclosureError, EvalReportError

pytestmark = pytest.mark.build

QUARTO = "project:\n  type: website\n  output-dir: _site\nevalreport:\n  disclosure:\n    min-count: {m}\n"

DOC = '''\
---
title: "Balance"
version: 1.0.0
---

```{{python}}
#| tags: [parameters]
quote = False
```

```{{python}}
#| include: false
import pandas as pd
from evalreport.author.tables import ReportTable, count_table
from evalreport.author.disclosure import protect
from evalreport.author.formatting import fmt_num
grades = pd.DataFrame({{"group": ["Accept"] * 4 + ["Nej-tak"] * 2 + ["Kontrol"] * 5,
                        "grade": [7, 4, 10, 2, 12, 7, 4, 7, 2, 10, 4]}})
stats = grades.groupby("group")["grade"].agg(["mean", "count"])
tilbud = grades[grades.group != "Kontrol"]["grade"]
cols = ["Tilbud", "Accept", "Nej-tak", "Kontrol"]
means = [tilbud.mean()] + [stats.loc[g, "mean"] for g in cols[1:]]
ns = [len(tilbud)] + [int(stats.loc[g, "count"]) for g in cols[1:]]
display = pd.DataFrame([[fmt_num(v, 1) for v in means], [fmt_num(v) for v in ns]],
                       index=["Karakter", "Antal elever"], columns=cols)
raw = pd.DataFrame([means, ns], index=["Karakter", "Antal elever"], columns=cols)
nej_tak = fmt_num(stats.loc["Nej-tak", "mean"], 1)
```

Karaktererne ses i @tbl-balance`{{python}} (", og nej-tak-gruppen fik " + nej_tak) if quote else ""`.

```{{python}}
#| label: tbl-balance
#| tbl-cap: "Balance"
t = ReportTable.from_frames(display, raw, id="tbl-balance")
protect(t, persons=dict(zip(cols, ns)), parts={{"Tilbud": ["Accept", "Nej-tak"]}},
        kinds={{"Antal elever": "count"}})
```

```{{python}}
#| label: tbl-antal
#| tbl-cap: "Antal"
count_table(pd.DataFrame({{"Antal": [{small}, 40]}}, index=["Fleksjob", "Andet"]), id="tbl-antal")
```
'''


def project(tmp_path, m=3, small=7):
    (tmp_path / "_quarto.yml").write_text(QUARTO.format(m=m), encoding="utf-8")
    (tmp_path / "reports" / "demo").mkdir(parents=True)
    (tmp_path / "reports" / "demo" / "index.qmd").write_text(DOC.format(small=small), encoding="utf-8")
    return load_project(tmp_path)


def test_protected_table_hides_small_groups_and_their_complement_everywhere(tmp_path):
    result = build_report(project(tmp_path), "demo", BuildOptions(to="html", quiet=True))
    tables = result.folder / "tables"
    grid = pd.read_csv(tables / "tbl-balance.display.csv", dtype=str, keep_default_na=False).set_index(
        pd.Index(["Karakter", "Antal elever"]))
    assert grid.loc["Karakter", "Nej-tak"] == ".." and grid.loc["Antal elever", "Nej-tak"] == ".."
    # Tilbud (6) - Accept (4) would give Nej-tak (2) away: Accept is hidden too
    assert grid.loc["Karakter", "Accept"] == ".." and grid.loc["Antal elever", "Accept"] == ".."
    assert grid.loc["Antal elever", "Tilbud"] == "6" and grid.loc["Antal elever", "Kontrol"] == "5"
    raw = pd.read_csv(tables / "tbl-balance.raw.csv").set_index("row")
    assert raw[["c2", "c3"]].isna().all().all() and raw["c1"].notna().all()   # Accept, Nej-tak; Tilbud
    notes = json.loads((tables / "tbl-balance.json").read_text(encoding="utf-8"))["notes"]
    assert any(n.startswith("..: diskretioneret") for n in notes)
    html = (result.folder / "index.html").read_text(encoding="utf-8")
    assert "9,5" not in html                                    # the Nej-tak mean (12 + 7) / 2
    assert not (tables / ".disclosure").exists()                # the gate's records stay private


def test_a_hidden_number_quoted_in_the_text_stops_the_build(tmp_path):
    p = project(tmp_path)
    for attempt in ("fresh", "from the execution cache"):
        with pytest.raises(DisclosureError) as err:
            build_report(p, "demo", BuildOptions(to="html", quiet=True, params={"quote": True}))
        msg = str(err.value)
        assert "Rapporten 'demo'" in msg and "tabel tbl-balance, række 'Karakter', kolonne 'Nej-tak'" in msg, attempt
        assert "teksten nævner 9,5" in msg and "færre end 3 personer" in msg, attempt
        assert not (p.output_dir / "reports").exists()


def test_a_small_count_in_a_count_table_stops_the_build(tmp_path):
    p = project(tmp_path, small=2)
    with pytest.raises(DisclosureError, match=r"tabel tbl-antal, række 'Fleksjob', kolonne 'Antal': "
                                              r"antallet 2 er under 3"):
        build_report(p, "demo", BuildOptions(to="html", quiet=True))


def test_min_count_below_three_is_refused(tmp_path):
    with pytest.raises(EvalReportError, match="min-count er 2; den skal være et heltal på mindst 3"):
        project(tmp_path, m=2)


HIDDEN_BUT_RAW = """\
---
title: "Skjult"
version: 1.0.0
---

```{python}
#| label: tbl-skjult
#| tbl-cap: "Skjult"
import pandas as pd
from evalreport.author.tables import ReportTable
ReportTable.from_frames(pd.DataFrame({"n": ["<3", "41"]}, index=["Fleksjob", "Andet"]),
                        pd.DataFrame({"n": [2, 41]}, index=["Fleksjob", "Andet"]), id="tbl-skjult")
```
"""


def test_a_cell_printed_as_hidden_with_its_value_in_the_raw_csv_stops_the_build(tmp_path):
    (tmp_path / "_quarto.yml").write_text(QUARTO.format(m=3), encoding="utf-8")
    (tmp_path / "reports" / "demo").mkdir(parents=True)
    (tmp_path / "reports" / "demo" / "index.qmd").write_text(HIDDEN_BUT_RAW, encoding="utf-8")
    with pytest.raises(DisclosureError, match=r"tabel tbl-skjult, række 'Fleksjob', kolonne 'n': cellen er "
                                              r"skjult \(<3\), men raw.csv har n = 2"):
        build_report(load_project(tmp_path), "demo", BuildOptions(to="html", quiet=True))


def test_small_counts_in_the_text_are_found_in_digits_outside_tables():
    from evalreport.outputs.disclosure import small_counts_in_text

    html = ("<p>Kun 2 deltagere og 1 af de ledige fik fleksjob; 0 deltagere faldt fra; 12 personer.</p>"
            "<table><tr><td>2 personer</td></tr></table>"
            "<p>I uge 2 deltagere … 1,5 personer i snit; 2.000 familier; −2 personer; 2&nbsp;kvinder.</p>")
    found = small_counts_in_text(html, 3)
    assert [f.split()[-2:] for f in found] == [["2", "deltagere"], ["de", "ledige"], ["2", "kvinder"]]
    assert any(f.endswith("12 personer") for f in small_counts_in_text(html, 13))   # the project's minimum


PROSE_DOC = '''\
---
title: "Fleksjob"
version: 1.0.0
---

```{{python}}
n_fleks = {n}
```

Kun `{{python}} n_fleks` deltagere fik fleksjob.
'''


@pytest.mark.parametrize("n, stops", [(2, True), (3, False)])
def test_a_small_count_of_persons_in_the_prose_stops_the_build(tmp_path, n, stops):
    (tmp_path / "_quarto.yml").write_text(QUARTO.format(m=3), encoding="utf-8")
    (tmp_path / "reports" / "demo").mkdir(parents=True)
    (tmp_path / "reports" / "demo" / "index.qmd").write_text(PROSE_DOC.format(n=n), encoding="utf-8")
    p = load_project(tmp_path)
    if stops:
        with pytest.raises(DisclosureError, match=r"demo: teksten nævner et antal under 3: '…[^']*Kun 2 deltagere'"):
            build_report(p, "demo", BuildOptions(to="html", quiet=True))
        assert not (p.output_dir / "reports").exists()
    else:
        result = build_report(p, "demo", BuildOptions(to="html", quiet=True))
        assert "Kun 3 deltagere" in (result.folder / "index.html").read_text(encoding="utf-8")


def test_a_computed_count_in_words_is_found_and_the_analysts_own_words_are_not():
    from evalreport.outputs.disclosure import COMPUTED, small_count_words

    o, c = COMPUTED
    texts = [f"Kun {o}to{c} deltagere fik fleksjob, og {o}to af de ledige{c} startede.",   # computed words
             "To deltagere fortalte i interviewene, at to kvinder hjalp.",                 # the analyst's own
             f"{o}To kvinder og en borger{c} – {o}to femtedele{c} af deltagerne; {o}en{c} deltager.",
             f"{o}Fire personer{c} og {o}tre{c} mænd",
             f"{o}12{c} borgere; {o}tolv{c}\n borgere"]
    found = small_count_words(texts, 3)
    assert [f.split()[-2:] for f in found] == [["to", "deltagere"], ["de", "ledige"], ["To", "kvinder"]]
    assert found[0] == "Kun to deltagere" and found[1].endswith("og to af de ledige")
    assert [f.split()[-2:] for f in small_count_words(texts, 5)] == [
        ["to", "deltagere"], ["de", "ledige"], ["To", "kvinder"], ["Fire", "personer"], ["tre", "mænd"]]
    assert small_count_words(texts, 13)[-1].endswith("tolv borgere")      # the project's minimum


@pytest.mark.parametrize("n, stops", [(2, True), (3, False)])
def test_a_small_count_in_words_from_num_word_stops_the_build(tmp_path, n, stops):
    doc = PROSE_DOC.replace("n_fleks = {n}", "from evalreport.author.formatting import num_word\nn_fleks = {n}") \
        .replace("`{{python}} n_fleks`", "`{{python}} num_word(n_fleks)`")
    (tmp_path / "_quarto.yml").write_text(QUARTO.format(m=3), encoding="utf-8")
    (tmp_path / "reports" / "demo").mkdir(parents=True)
    (tmp_path / "reports" / "demo" / "index.qmd").write_text(doc.format(n=n), encoding="utf-8")
    p = load_project(tmp_path)
    if stops:
        with pytest.raises(DisclosureError, match=r"demo: en beregnet værdi i teksten nævner et antal under 3 med "
                                                  r"ord: '…Kun to deltagere'"):
            build_report(p, "demo", BuildOptions(to="html", quiet=True))
        assert not (p.output_dir / "reports").exists()
    else:
        result = build_report(p, "demo", BuildOptions(to="html", quiet=True))
        assert "Kun tre deltagere" in (result.folder / "index.html").read_text(encoding="utf-8")
