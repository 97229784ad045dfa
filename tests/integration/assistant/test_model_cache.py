"""The cached intent model: written once, loaded after, and trained over when the file is
broken or holds something else (an older model's format, say)."""

from __future__ import annotations

import pickle
from pathlib import Path

from openteller.assistant.classifier import FittedModel, load_classifier
from openteller.assistant.intents import Intent

QUESTIONS = ["what's my balance", "how much did I spend on coffee last month", "what's the weather"]


def _cached(folder: Path) -> Path:
    (path,) = folder.glob("intents-*.pkl")
    return path


def test_a_broken_or_foreign_cache_file_is_trained_over(tmp_path: Path) -> None:
    first = load_classifier(tmp_path)
    expected = first.predict_many(QUESTIONS)
    assert expected == [Intent.BALANCE, Intent.SPENDING, Intent.OUT_OF_SCOPE]
    path = _cached(tmp_path)
    assert isinstance(pickle.loads(path.read_bytes()), FittedModel)

    assert load_classifier(tmp_path).predict_many(QUESTIONS) == expected  # loaded as is

    path.write_bytes(pickle.dumps({"an older model": "format"}))
    assert load_classifier(tmp_path).predict_many(QUESTIONS) == expected
    assert isinstance(pickle.loads(path.read_bytes()), FittedModel)  # written again

    path.write_bytes(b"\x80\x05 not a pickle at all")
    assert load_classifier(tmp_path).predict_many(QUESTIONS) == expected
    assert isinstance(pickle.loads(path.read_bytes()), FittedModel)
