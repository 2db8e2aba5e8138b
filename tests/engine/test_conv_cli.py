"""``nnstudio train --layers conv16,pool,...``: the token language, its plain errors, and a
conv net trained from the command line on the bundled 8x8 digit pictures."""
from __future__ import annotations

import json

import pytest

from nnstudio.cli import main
from nnstudio.commands.layer_spec import parse_layers
from nnstudio.errors import ConfigError
from nnstudio.project import load_project


def test_tokens_become_layers():
    assert parse_layers("16,16") == (16, 16) and parse_layers("none") == ()
    specs = parse_layers("conv16, pool, conv32x5,pool,flatten,64")
    assert [s["class"] for s in specs] == ["Conv2D", "MaxPool2D", "Conv2D", "MaxPool2D", "Flatten", "Dense"]
    assert specs[0]["config"] == {"filters": 16, "kernel_size": 3, "activation": "relu"}
    assert specs[2]["config"]["kernel_size"] == 5 and specs[5]["config"]["units"] == 64


@pytest.mark.parametrize("text,words", [
    ("conv16,pool,64", "put 'flatten' before 64"),
    ("conv16,pool", "end with 'flatten'"),
    ("conv,flatten", "'conv' is not a layer; use convN"),
    ("conv16,maxpool,flatten", "'maxpool' is not a layer"),
    ("16,,8", "'(empty)' is not a layer"),
    ("conv0,flatten", "at least 1 filter"),
])
def test_bad_tokens_are_named_in_plain_words(text, words):
    with pytest.raises(ConfigError, match=words.replace("(", r"\(").replace(")", r"\)")):
        parse_layers(text)


def test_cli_trains_a_conv_net_on_pictures(capsys, tmp_path):
    path = tmp_path / "conv.nnproj"
    code = main(["train", "--dataset", "digits-images", "--layers", "conv8,pool,flatten",
                 "--epochs", "3", "--save", str(path), "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out)["final"]["val"]["accuracy"] > 0.8
    layers = load_project(path).network["layers"]
    assert [spec["class"] for spec in layers] == ["Rescaling", "Conv2D", "MaxPool2D", "Flatten", "Dense"]


@pytest.mark.parametrize("argv,words", [
    (["--dataset", "iris", "--layers", "conv8,flatten"], "convolution and pooling work on pictures"),
    (["--dataset", "digits-images", "--layers", "conv8,pool,conv8,pool,flatten"],
     "Layer 5 (max_pooling2d_2): a 2x2 pooling needs at least 2x2 pixels; this layer receives 1x1"),
    (["--dataset", "digits-images", "--layers", "conv8,pool,conv8,conv8,flatten"],
     "Layer 5 (conv2d_3): a 3x3 convolution needs at least 3x3 pixels; this layer receives 1x1"),
    (["--dataset", "spiral", "--layers", "conv8,64"], "put 'flatten' before 64"),
])
def test_cli_layer_errors_are_one_line(capsys, argv, words):
    code = main(["train", *argv, "--epochs", "1"])
    _, err = capsys.readouterr()
    assert code == 2 and "Traceback" not in err
    assert err.startswith("nnstudio: error: ") and len(err.strip().splitlines()) == 1, err
    assert words in err
