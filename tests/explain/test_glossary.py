"""The glossary's text: every word the issue asks for, short plain entries, links that resolve."""
from __future__ import annotations

import re

import pytest

from nnstudio.errors import NNStudioError
from nnstudio.explain import glossary
from nnstudio.explain.glossary import ENTRIES, as_text, entry, find, key_of_link, link

#: The concepts issue 10 names, by the word a person would look up.
ASKED_FOR = ["forward pass", "backward pass", "backpropagation", "loss", "cross-entropy",
             "mean squared error", "gradient", "learning rate", "epoch", "batch",
             "activation function", "ReLU", "sigmoid", "softmax", "identity", "weight", "bias",
             "overfitting", "validation data", "early stopping", "dropout", "L2 penalty",
             "optimizer", "SGD", "Adam", "standardisation"]


@pytest.mark.parametrize("word", ASKED_FOR)
def test_every_asked_for_word_has_an_entry(word):
    assert find(word) is not None, word


def test_every_see_also_key_exists_and_is_not_the_entry_itself():
    for e in ENTRIES.values():
        for other in e.see_also:
            assert other in ENTRIES, f"{e.key}: see also {other!r} is not an entry"
            assert other != e.key


@pytest.mark.parametrize("key", list(ENTRIES))
def test_entries_are_short_plain_sentences(key):
    e = ENTRIES[key]
    assert e.key == key and re.fullmatch(r"[a-z0-9_]+", key)
    assert e.title.strip()
    assert 40 <= len(e.text) <= 600, f"{key}: {len(e.text)} characters"
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", e.text) if s]
    assert 2 <= len(sentences) <= 5, f"{key}: {len(sentences)} sentences"
    assert e.text.endswith(".")
    assert "  " not in e.text and "\n" not in e.text  # the source's line breaks are gone
    assert "<" not in e.text  # plain text: the panel escapes and formats it


def test_titles_and_other_names_are_unique():
    names = [n.lower() for e in ENTRIES.values() for n in (e.title, *e.also_called)]
    assert len(names) == len(set(names))


def test_links_round_trip_and_unknown_keys_say_what_exists():
    assert link("learning_rate") == "glossary:learning_rate"
    assert key_of_link("glossary:epoch") == "epoch"
    assert key_of_link("glossary:nonsense") is None
    assert key_of_link("https://example.org") is None
    with pytest.raises(NNStudioError, match="no entry 'nonsense'.*learning_rate"):
        entry("nonsense")
    with pytest.raises(NNStudioError):
        link("nonsense")


def test_find_ignores_case_and_underscores():
    assert find("Learning_Rate").key == "learning_rate"
    assert find("weight decay").key == "l2_penalty"
    assert find("no such word") is None


def test_as_text_names_the_related_entries():
    text = as_text("gradient")
    assert text.startswith("Gradient\n") and "See also: Backward pass" in text


def test_glossary_is_qt_free():
    assert glossary.__name__ == "nnstudio.explain.glossary"
    source = open(glossary.__file__, encoding="utf-8").read()
    assert "PySide6" not in source and "pyqtgraph" not in source
