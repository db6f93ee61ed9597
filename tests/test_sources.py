"""Source lines and the synthetic-data notice, from the data set's metadata."""
import json

import pytest

from evalreport.author import sources as S

SYN = {"dataset": "oto", "generator": "analysis.synthetic.oto", "seed": 299, "synthetic": True}
REAL = {"dataset": "oto", "seed": None, "synthetic": False}


class Data:
    meta = SYN


def test_synthetic_source_line_names_the_seed_not_the_module():
    line = S.source_line(Data(), "DREAM, eIndkomst og kommunale udgiftsdata")
    assert line == "Syntetiske data (seed 299), opbygget efter DREAM, eIndkomst og kommunale udgiftsdata."
    assert "analysis" not in line
    assert S.source_line(SYN, "DREAM-data", own_calculations=True) == \
        "Egne beregninger på syntetiske data (seed 299), opbygget efter DREAM-data."


def test_register_data_source_line_names_only_the_registers():
    assert S.source_line(REAL, "DREAM og eIndkomst.") == "DREAM og eIndkomst."
    assert S.source_line(REAL, "DREAM-data", own_calculations=True) == \
        "Egne beregninger på DREAM-data."
    assert S.source_line({"synthetic": True, "seed": None}, "DREAM") == "DREAM."
    with pytest.raises(ValueError):
        S.source_line(SYN, " ")


def test_label_and_notice():
    assert S.synthetic_label(SYN) == "Syntetiske data (seed 299)"
    assert S.synthetic_label({"synthetic": True, "seed": 20190601}, capital=False) == \
        "syntetiske data (seed 20190601)"                       # no thousands separator
    assert S.synthetic_label(REAL) == ""
    assert S.synthetic_notice(SYN).startswith("Syntetiske data (seed 299): ")
    assert S.synthetic_notice(REAL) == ""


def test_meta_from_a_folder_and_the_committed_data(tmp_path):
    (tmp_path / "meta.json").write_text(json.dumps(SYN), encoding="utf-8")
    assert S.dataset_meta(tmp_path)["seed"] == 299
    assert S.dataset_meta(tmp_path / "nothing") == {}
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent / "data" / "synthetic"
    for name in ("oto", "bot"):
        meta = json.loads((root / name / "meta.json").read_text(encoding="utf-8"))
        assert S.synthetic_label(root / name) == f"Syntetiske data (seed {meta['seed']})"
    with pytest.raises(TypeError):
        S.dataset_meta(42)
