"""Data contracts: every data set is checked on reading, and bad input fails loudly and precisely.

Each hostile file below must give a Danish DataError naming the file, the 1-based line of the
file (header = line 1), the column and the offending value.
"""
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from analysis.synthetic import bip, bot, oto, social, star
from analysis.synthetic.contract import Rule, contract_from_columns
from evalreport.author import data
from evalreport.author.data import check_codebook_agrees, load_synthetic, read_dataset
from evalreport.errors import DataError

ROOT = Path(__file__).resolve().parents[1]

TOY_COLUMNS = {
    "persons": [("person_id", "int", None, False, "id", "Person"),
                ("family_id", "int", None, False, "id", "Family"),
                ("age", "int", None, False, "years", "Age"),
                ("share", "float", 2, True, "0-1", "A share"),
                ("offer", "bool01", None, False, "0/1", "Offered"),
                ("origin", "str", None, False, "category", "Origin"),
                ("start", "date", None, True, "YYYY-MM-DD", "Start"),
                ("month", "str", None, False, "YYYY-MM", "Month")],
    "families": [("family_id", "int", None, False, "id", "Family")],
}
TOY = contract_from_columns(
    "toy", TOY_COLUMNS, keys={"persons": ["person_id"], "families": ["family_id"]},
    rules={"persons.age": Rule(min=0, max=110), "persons.share": Rule(min=0, max=1),
           "persons.origin": Rule(values=("dansk", "indvandrer")),
           "persons.month": Rule(pattern=r"\d{4}-(0[1-9]|1[0-2])")},
    references={"persons.family_id": "families.family_id"})
GOOD = ["person_id,family_id,age,share,offer,origin,start,month",
        "1,1,30,0.50,1,dansk,2020-01-31,2020-01",
        "2,1,41,,0,indvandrer,,2020-02",
        "3,2,7,0.25,0,dansk,2021-12-01,2021-12"]


def _toy(tmp_path, persons_lines=GOOD):
    (tmp_path / "families.csv").write_text("family_id\n1\n2\n", encoding="utf-8")
    (tmp_path / "persons.csv").write_text("\n".join(persons_lines) + "\n", encoding="utf-8")
    return tmp_path


def _with(line: int, column: str, value: str) -> list[str]:
    """GOOD with the field ``column`` of file line ``line`` (1-based, header = 1) replaced."""
    lines = list(GOOD)
    cols = lines[0].split(",")
    fields = lines[line - 1].split(",")
    fields[cols.index(column)] = value
    lines[line - 1] = ",".join(fields)
    return lines


def test_good_toy_data_pass_and_are_returned(tmp_path):
    frames = read_dataset(_toy(tmp_path), TOY)
    assert list(frames["persons"]["person_id"]) == [1, 2, 3]


@pytest.mark.parametrize("line, column, value, words", [
    (3, "age", "ukendt", "er ikke et tal"),
    (2, "share", "0,5", "decimalkomma"),
    (4, "age", "2.5", "er ikke et heltal"),
    (3, "age", "111", "uden for det tilladte interval [0; 110]"),
    (2, "share", "1.5", "uden for det tilladte interval"),
    (3, "offer", "2", "skal være 0 eller 1"),
    (4, "origin", "svensk", "ikke en af de tilladte værdier (dansk, indvandrer)"),
    (2, "start", "2020-02-30", "ikke en gyldig dato"),
    (3, "start", "31-01-2020", "ikke en gyldig dato"),
    (4, "month", "2021-13", "har ikke det krævede format"),
    (2, "age", "", "mangler (tomt felt)"),
    (3, "family_id", "9", "findes ikke i kolonnen 'family_id' i families.csv"),
])
def test_bad_value_names_file_line_column_and_value(tmp_path, line, column, value, words):
    folder = _toy(tmp_path, _with(line, column, f'"{value}"' if "," in value else value))
    with pytest.raises(DataError) as err:
        read_dataset(folder, TOY)
    msg = str(err.value)
    shown = "(tomt)" if value == "" else f"'{value}'"
    assert f"{folder / 'persons.csv'}, linje {line}, kolonne '{column}': {shown}" in msg, msg
    assert words in msg, msg


def test_duplicate_key_names_both_lines(tmp_path):
    lines = list(GOOD)
    lines[3] = "2" + lines[3][1:]                  # line 4 repeats person_id 2 of line 3
    with pytest.raises(DataError) as err:
        read_dataset(_toy(tmp_path, lines), TOY)
    assert "persons.csv, linje 4: nøglen person_id = 2 står også på linje 3" in str(err.value)


def test_many_errors_are_counted_not_all_listed(tmp_path):
    lines = GOOD[:1] + [f"{i},1,x{i},,0,dansk,,2020-01" for i in range(1, 40)]
    with pytest.raises(DataError) as err:
        read_dataset(_toy(tmp_path, lines), TOY)
    msg = str(err.value)
    assert "(39 fejl)" in msg and "… og 34 fejl mere" in msg and "linje 2, kolonne 'age': 'x1'" in msg


@pytest.mark.parametrize("content, words", [
    (b"", "filen er tom"),
    (b"person_id;family_id;age\n1;1;30\n", "semikolonsepareret"),
    ("person_id,family_id,age,share,offer,origin,start,month\n1,1,30,,0,dønsk,,2020-01\n".encode("latin-1"),
     "linje 2: filen er ikke UTF-8"),
    (("\n".join(GOOD[:2]) + ",ekstra\n").encode(), "linje 2: 9 felter, men overskriften har 8"),
    (b"person_id,family_id,age\n1,1,30\n", "mangler kolonner 'share', 'offer', 'origin'"),
])
def test_unreadable_files_are_explained(tmp_path, content, words):
    folder = _toy(tmp_path)
    (folder / "persons.csv").write_bytes(content)
    with pytest.raises(DataError) as err:
        read_dataset(folder, TOY)
    assert str(folder / "persons.csv") in str(err.value) and words in str(err.value)


def test_missing_data_folder_is_an_error_not_a_silent_draw(tmp_path):
    with pytest.raises(DataError, match="datamappen findes ikke"):
        load_synthetic(tmp_path / "nowhere", oto.DEFAULT_SEED, "analysis.synthetic.oto")


def test_codebook_must_agree_with_contract(tmp_path):
    book = tmp_path / "codebook.md"
    book.write_text("## `families.csv`\n\n| column | type |\n|---|---|\n| `family_id` | str |\n")
    with pytest.raises(DataError, match="kodebogens kolonner for families.csv"):
        check_codebook_agrees(book, TOY)


@pytest.mark.parametrize("gen", [oto, bot, social, bip, star], ids=["oto", "bot", "social", "bip", "star"])
def test_committed_data_sets_meet_their_contract_and_codebook(gen):
    folder = ROOT / "data" / "synthetic" / gen.CONTRACT.name
    raws = read_dataset(folder, gen.CONTRACT)
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    assert (folder / "codebook.md").read_text(encoding="utf-8") == gen.codebook_text(meta)
    assert set(gen.CONTRACT.files) == set(gen.SCHEMA)
    # load_synthetic hands the checked frames to the generator's load: typed exactly as a fresh read
    fresh, handed = gen.load(folder), gen.load(folder, raws=raws)
    for stem in gen.LAYOUTS:
        pd.testing.assert_frame_equal(getattr(handed, stem), getattr(fresh, stem), check_exact=True)


def test_real_data_set_duplicate_person_is_caught(tmp_path):
    folder = tmp_path / "oto"
    shutil.copytree(ROOT / "data" / "synthetic" / "oto", folder)
    persons = folder / "persons.csv"
    lines = persons.read_text(encoding="utf-8").split("\n")
    lines[10] = lines[9]
    persons.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(DataError, match=r"persons.csv, linje 11: nøglen person_id = 9 står også på linje 10"):
        load_synthetic(folder, oto.DEFAULT_SEED, "analysis.synthetic.oto")


def test_contract_declaration_mistakes_are_caught():
    with pytest.raises(ValueError, match="no unique key"):
        contract_from_columns("x", TOY_COLUMNS, keys={"persons": ["person_id"]})
    with pytest.raises(ValueError, match="which is no column"):
        contract_from_columns("x", TOY_COLUMNS, keys={"persons": ["person_id"], "families": ["family_id"]},
                              rules={"persons.nope": Rule(min=0)})


# --- wide files: columns of one spec are checked stacked, with the same errors ----------------------

N_WIDE = data.STACK_MIN + 2
WIDE_COLUMNS = {"panel": [("person_id", "int", None, False, "id", "Person"),
                          ("kommune", "str", None, False, "code", "Kommune")]
                + [(f"w{i:02d}", "int", None, False, "code", "Weekly status") for i in range(1, N_WIDE + 1)]
                + [(f"h{i:02d}", "float", 1, True, "hours", "Monthly hours") for i in range(1, N_WIDE + 1)]
                + [(f"d{i:02d}", "date", None, True, "YYYY-MM-DD", "A date") for i in range(1, N_WIDE + 1)]
                + [(f"s{i:02d}", "str", None, False, "AA", "A code") for i in range(1, N_WIDE + 1)]}
WIDE = contract_from_columns(
    "wide", WIDE_COLUMNS, keys={"panel": ["person_id"]},
    rules={"panel.kommune": Rule(pattern=r"\d{3}"), "panel.w*": Rule(values=(0, 10, 50)),
           "panel.h*": Rule(min=0, max=744), "panel.s*": Rule(pattern=r"[A-Z]{2}")})


def _wide_lines(rows=10, faults=()):
    """A good wide file of ``rows`` persons with ``faults`` = (line, column, text) put in."""
    header = [c[0] for c in WIDE_COLUMNS["panel"]]
    lines = [header]
    for p in range(1, rows + 1):
        row = {"person_id": str(p), "kommune": f"{100 + p}"}
        for i in range(1, N_WIDE + 1):
            row[f"w{i:02d}"] = str((0, 10, 50)[(p + i) % 3])
            row[f"h{i:02d}"] = "" if (p * i) % 7 == 0 else f"{(p * 37 + i * 11) % 744}.5"
            row[f"d{i:02d}"] = "" if (p + i) % 5 == 0 else f"2020-{1 + (p + i) % 12:02d}-{1 + (p * i) % 28:02d}"
            row[f"s{i:02d}"] = "AB" if (p + i) % 2 else "ZQ"
        lines.append([row[c] for c in header])
    for line, column, text in faults:
        lines[line - 1][header.index(column)] = text
    return [",".join(f'"{f}"' if "," in f else f for f in fields) for fields in lines]


def _wide_error(tmp_path, lines, monkeypatch, stack_min):
    """read_dataset's error for the wide file, and every problem check_frame finds (not only the
    first MAX_LISTED), with columns stacked from ``stack_min`` same-spec columns on."""
    monkeypatch.setattr(data, "STACK_MIN", stack_min)
    (tmp_path / "panel.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    fc = WIDE.files["panel"]
    problems = sorted(data.check_frame(data.read_raw(tmp_path / "panel.csv", fc.kinds), fc, tmp_path / "panel.csv"))
    with pytest.raises(DataError) as err:
        read_dataset(tmp_path, WIDE, check_codebook=False)
    return str(err.value), problems


def test_wide_file_groups_and_good_file_passes_stacked():
    fc = WIDE.files["panel"]
    groups = data._same_spec_groups(fc)
    assert [g[0] for g in groups] == ["w01", "h01", "d01", "s01"] and all(len(g) == N_WIDE for g in groups)
    assert data._same_spec_groups(TOY.files["persons"]) == []           # narrow files: as before
    weekly = bot.CONTRACT.files["weekly_states"]
    assert len(data._same_spec_groups(weekly)[0]) == len(weekly.kinds) - 1


def test_good_wide_file_passes_by_the_stacked_check(tmp_path, monkeypatch):
    (tmp_path / "panel.csv").write_text("\n".join(_wide_lines()) + "\n", encoding="utf-8")
    fc = WIDE.files["panel"]
    raw = data.read_raw(tmp_path / "panel.csv", fc.kinds)
    built, schema = [], data._schema
    monkeypatch.setattr(data, "_schema", lambda f: built.append(list(f.kinds)) or schema(f))
    assert data.check_frame(raw, fc, tmp_path / "panel.csv") == []
    # one schema for the key and the odd column, one of one column per group; none column by column
    assert built == [["person_id", "kommune"], ["w01"], ["h01"], ["d01"], ["s01"]]
    assert read_dataset(tmp_path, WIDE, check_codebook=False)["panel"].shape == (10, 2 + 4 * N_WIDE)


WIDE_FAULTS = [(3, "w05", "x", "er ikke et tal"),                      # wrong type (file read as text)
               (4, "w07", "", "mangler (tomt felt)"),                 # missing in a non-nullable column
               (5, "h10", "800", "uden for det tilladte interval [0; 744]"),
               (6, "w01", "11", "er ikke en af de tilladte værdier (0, 10, 50)"),
               (6, "w02", "2.5", "er ikke et heltal"),
               (7, "h02", "2,5", "decimalkomma"),
               (8, "d03", "2020-02-30", "er ikke en gyldig dato"),
               (9, "s11", "abc", "har ikke det krævede format ([A-Z]{2})"),
               (10, "kommune", "12", "har ikke det krævede format"),      # outside the groups
               (11, "person_id", "9", "nøglen person_id = 9 står også på linje 10")]


@pytest.mark.parametrize("line, column, value, words", WIDE_FAULTS, ids=[f[1] for f in WIDE_FAULTS])
def test_wide_file_fault_is_found_and_worded_as_column_by_column(tmp_path, monkeypatch, line, column, value,
                                                                 words):
    lines = _wide_lines(faults=[(line, column, value)])
    stacked = _wide_error(tmp_path, lines, monkeypatch, data.STACK_MIN)
    per_column = _wide_error(tmp_path, lines, monkeypatch, 10 ** 9)
    assert stacked == per_column
    assert words in stacked[0] and f"linje {line}" in stacked[0], stacked[0]


def test_wide_file_with_many_faults_gives_the_per_column_messages(tmp_path, monkeypatch):
    faults = [(line, column, value) for line, column, value, _ in WIDE_FAULTS]
    faults += [(2, f"w{i:02d}", "7") for i in range(3, 12)] + [(9, "h01", "-1"), (3, "w06", "")]
    faults += [(4, "d20", "x"), (5, "s01", ""), (7, "h03", "abc")]
    lines = _wide_lines(rows=12, faults=faults)
    stacked = _wide_error(tmp_path, lines, monkeypatch, data.STACK_MIN)
    per_column = _wide_error(tmp_path, lines, monkeypatch, 10 ** 9)
    assert stacked == per_column
    msg, problems = stacked
    assert len(problems) > data.MAX_LISTED and f"… og {len(problems) - data.MAX_LISTED} fejl mere" in msg
