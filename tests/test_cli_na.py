"""``nnstudio train --csv F --na-values COLUMN=WORD / --not-na COLUMN=WORD`` (issue 8)."""
from __future__ import annotations

import json
from pathlib import Path

from nnstudio.cli import main
from nnstudio.data import load_dataset_source
from nnstudio.project import load_project

FIXTURES = Path(__file__).parent / "data" / "fixtures"   # real R excerpts, see README there
SURVEY = FIXTURES / "mass_survey_head40.csv"
ARTHRITIS = FIXTURES / "vcd_arthritis_every3rd.csv"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _classes(path: Path) -> tuple[list[str], dict]:
    source = load_project(path).data_source
    return load_dataset_source(source).class_names, source["options"]["na_values"]


def test_none_stays_a_class_unless_na_values_says_otherwise(capsys, tmp_path):
    kept, gone = tmp_path / "kept.nnproj", tmp_path / "gone.nnproj"
    common = ("train", "--csv", ARTHRITIS, "--target", "Improved", "--epochs", 2, "--quiet")
    code, _, err = run(capsys, *common, "--save", kept)
    assert code == 0, err
    assert _classes(kept) == (["Marked", "None", "Some"], {})

    code, _, err = run(capsys, *common, "--na-values", "Improved=None", "--save", gone)
    assert code == 0, err
    # Saved with the project, so reopening it reads the file the same way.
    assert _classes(gone) == (["Marked", "Some"], {"Improved": {"None": "missing"}})


def test_not_na_keeps_a_strong_word_and_both_flags_repeat(capsys, tmp_path):
    csv = tmp_path / "regions.csv"
    rows = "\n".join(f"{i},{['EU', 'NA', 'AS'][i % 3]},{['x', 'unknown', 'y', 'x'][i % 4]},{'ab'[i % 2]}"
                     for i in range(24))
    csv.write_text(f"n,region,shade,label\n{rows}\n")
    saved = tmp_path / "r.nnproj"
    code, _, err = run(capsys, "train", "--csv", csv, "--epochs", 1, "--quiet", "--missing", "drop",
                       "--not-na", "region=NA", "--na-values", "shade=unknown", "--save", saved)
    assert code == 0, err
    source = load_project(saved).data_source
    assert source["options"]["na_values"] == {"region": {"NA": "value"}, "shade": {"unknown": "missing"}}
    data = load_dataset_source(source)
    assert "region=NA" in data.feature_names and "shade=unknown" not in data.feature_names


def test_missing_values_error_names_the_flags(capsys):
    code, _, err = run(capsys, "train", "--csv", SURVEY, "--target", "Exer", "--epochs", 1)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "Some feature values are missing: 'Pulse' 6 row(s)" in err
    assert "Use --missing drop to remove the 14 row(s) with a gap, or --missing mean" in err
    assert "import options" not in err


def test_bad_na_values_are_one_plain_line(capsys):
    for argv, fragment in [
        (("--csv", SURVEY, "--na-values", "None"), "--na-values takes COLUMN=WORD, such as "
                                                   "--na-values Exer=None, got 'None'"),
        (("--csv", SURVEY, "--na-values", "Exr=None"), "Missing-value choice column 'Exr' was not found"),
        (("--csv", SURVEY, "--not-na", "Exer="), "an empty cell is always missing"),
        (("--dataset", "spiral", "--na-values", "x=None"), "--na-values only applies to --csv"),
    ]:
        code, _, err = run(capsys, "train", *argv, "--epochs", 1)
        assert code == 2 and len(err.strip().splitlines()) == 1, err
        assert fragment in err, err


def test_help_explains_the_rule(capsys):
    code, out, _ = run(capsys, "train", "--help")
    assert code == 0
    text = " ".join(out.split())
    assert "--na-values COLUMN=WORD" in text and "--not-na COLUMN=WORD" in text
    assert "None, null, ?, - and -- are missing only in columns of numbers" in text


def test_train_report_lists_what_the_import_did(tmp_path, capsys):
    from nnstudio.cli import main

    csv = tmp_path / "survey.csv"
    rows = ["id,pulse,exer"] + [f"{i},{60 + i % 30},{['Freq', 'Some', 'None'][i % 3]}" for i in range(60)]
    csv.write_text("\n".join(rows) + "\n")
    assert main(["train", "--csv", str(csv), "--target", "exer", "--epochs", "1"]) == 0
    out = capsys.readouterr().out
    assert "- Kept as values, not as gaps: 'None' in 'exer' (20 rows)" in out
    assert "'id' looks like an ID" in out
    assert main(["train", "--csv", str(csv), "--target", "exer", "--epochs", "1", "--json"]) == 0
    notes = json.loads(capsys.readouterr().out)["import_notes"]
    assert any("'None' in 'exer'" in note for note in notes)
