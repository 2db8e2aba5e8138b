"""A CSV file that changed after training: evaluate must not report held-out scores that lie."""
from __future__ import annotations

import json

import numpy as np

from nnstudio.cli import main
from nnstudio.project import load_project


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _write_csv(path, rows):
    path.write_text("a,b,label\n" + "".join(f"{a:.4f},{b:.4f},{c}\n" for a, b, c in rows))


def _rows(n=120):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 2))
    return [(a, b, "yes" if a + b > 0 else "no") for a, b in X]


def test_evaluate_refuses_held_out_scores_after_the_csv_was_sorted(tmp_path, capsys):
    csv, proj = tmp_path / "data.csv", tmp_path / "p.nnproj"
    rows = _rows()
    _write_csv(csv, rows)
    code, _, err = run(capsys, "train", "--csv", csv, "--target", "label", "--epochs", "3",
                       "--layers", "4", "--save", proj, "--quiet")
    assert code == 0, err
    assert load_project(proj).data_check["rows"] == 120
    code, out, err = run(capsys, "evaluate", proj)
    assert code == 0, err

    _write_csv(csv, sorted(rows))   # same rows, another order: the seeded split picks others
    code, out, err = run(capsys, "evaluate", proj)
    assert code == 2 and out == ""
    assert "another order" in err and "--reset" in err and "Traceback" not in err

    # Training on goes on with a warning; the stamp of the first data stays (the weights saw it).
    code, out, err = run(capsys, "train", proj, "--epochs", "1", "--save", proj, "--json")
    assert code == 0 and "cannot be trusted" in err
    assert "another order" in json.loads(out)["data_warning"]
    assert run(capsys, "evaluate", proj)[0] == 2

    # Fresh weights on the data as it is now: scores are honest again.
    code, _, err = run(capsys, "train", proj, "--reset", "--epochs", "2", "--save", proj, "--quiet")
    assert code == 0 and "cannot be trusted" not in err
    code, out, err = run(capsys, "evaluate", proj)
    assert code == 0 and "validation" in out


def test_appended_rows_are_named(tmp_path, capsys):
    csv, proj = tmp_path / "data.csv", tmp_path / "p.nnproj"
    rows = _rows()
    _write_csv(csv, rows)
    assert run(capsys, "train", "--csv", csv, "--target", "label", "--epochs", "2", "--layers", "4",
               "--save", proj, "--quiet")[0] == 0
    _write_csv(csv, rows + _rows(130)[120:])
    code, _, err = run(capsys, "evaluate", proj)
    assert code == 2 and "10 rows more (120 then, 130 now)" in err
