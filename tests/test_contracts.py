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
