"""Input data checks: errors name the file, the column and the row."""
import json

import pytest

from evalreport.author.data import load_synthetic, read_csv
from evalreport.errors import DataError


def test_missing_column_is_named(tmp_path):
    f = tmp_path / "persons.csv"
    f.write_text("person_id,offer\n1,0\n")
    with pytest.raises(DataError) as err:
        read_csv(f, {"person_id": "int", "offer": "bool01", "family_id": "int"})
    assert str(f) in str(err.value) and "'family_id'" in str(err.value)


def test_danish_semicolon_csv_is_explained(tmp_path):
    f = tmp_path / "families.csv"
    f.write_text("family_id;stratum;udgift\n1;2;3,5\n", encoding="utf-8")
    with pytest.raises(DataError, match="semikolonsepareret"):
        read_csv(f, ["family_id"])


def test_decimal_comma_value_names_column_and_row(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text('id,amount\n1,2.5\n2,"3,5"\n')
    with pytest.raises(DataError) as err:
        read_csv(f, {"id": "int", "amount": "float"})
    msg = str(err.value)
    assert "kolonne 'amount'" in msg and "linje 3" in msg and "'3,5'" in msg and "decimalkomma" in msg


def test_bool_column_must_be_zero_or_one(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("id,offer\n1,0\n2,2\n")
    with pytest.raises(DataError, match="linje 3, kolonne 'offer': '2' skal være 0 eller 1"):
        read_csv(f, {"id": "int", "offer": "bool01"})


def test_types_are_coerced(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("id,offer,x\n1,0,1.5\n2,1,\n")
    frame = read_csv(f, {"id": "int", "offer": "bool01", "x": "float"})
    assert frame["id"].dtype.kind == "i" and frame["offer"].tolist() == [0, 1]
    assert frame["x"].isna().tolist() == [False, True]


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="findes ikke"):
        read_csv(tmp_path / "nope.csv")


def test_load_synthetic_without_meta_or_seed(tmp_path):
    with pytest.raises(DataError, match="meta.json"):
        load_synthetic(tmp_path, None, "json")   # any importable module; fails before use
    (tmp_path / "meta.json").write_text(json.dumps({"seed": 1}))
