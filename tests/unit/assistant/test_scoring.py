"""LinearScorer gives the fitted models' own decision scores, message by message."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.pipeline import make_union
from sklearn.svm import LinearSVC

from openteller.assistant.classifier import (
    build_features,
    build_svm,
    normalise,
    training_examples,
)
from openteller.assistant.scoring import LinearScorer

MESSAGES = [
    "what's my balance?",
    "how much did I spend on groceries last month",
    "coffee since monday",
    "i lost my card, freeze it",
    "what's the weather in paris",
    "",  # no features at all: the scores are the intercepts
    "zzzzqqq xxyyzz",  # nothing the vocabulary knows
    "💳💳💳",
    "spent spent spent spent on uber",  # repeated terms: sublinear tf
    "how much " * 200,
]


@pytest.fixture(scope="module")
def fitted() -> tuple[object, LinearSVC, LinearSVC, list[str]]:
    examples = training_examples()[::25]  # real training data, a sample, for speed
    texts = [normalise(e.text) for e in examples]
    labels = np.array([e.intent for e in examples])
    features = build_features()
    matrix = features.fit_transform(texts)
    intents = build_svm().fit(matrix, labels)
    outside = build_svm().fit(matrix, (labels == "out_of_scope").astype(int))
    return features, intents, outside, texts


def test_scores_equal_the_models_decision_functions(fitted) -> None:
    features, intents, outside, texts = fitted
    scorer = LinearScorer(features, [intents, outside])
    messages = [normalise(m) for m in MESSAGES] + texts[::7]
    matrix = features.transform(messages)
    expected = np.hstack(
        [intents.decision_function(matrix), outside.decision_function(matrix)[:, None]]
    )
    got = np.array([scorer.scores(m) for m in messages])
    assert got.shape == expected.shape == (len(messages), len(intents.classes_) + 1)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-10)
    # The scores are not all alike (the comparison above would be vacuous if they were).
    assert len({int(np.argmax(row[:-1])) for row in got}) > 3


def test_a_message_with_no_known_terms_scores_the_intercepts(fitted) -> None:
    features, intents, outside, _ = fitted
    assert features.transform([""]).nnz == 0
    scores = LinearScorer(features, [intents, outside]).scores("")
    np.testing.assert_array_equal(scores, np.concatenate([intents.intercept_, outside.intercept_]))


def test_features_it_cannot_reproduce_are_refused() -> None:
    texts = ["what is my balance", "how much did i spend", "weather today"]
    labels = [0, 1, 2]
    counts = make_union(CountVectorizer())
    model = LinearSVC().fit(counts.fit_transform(texts), labels)
    with pytest.raises(TypeError, match="not a TF-IDF"):
        LinearScorer(counts, [model])
    plain = make_union(TfidfVectorizer(sublinear_tf=False))
    model = LinearSVC().fit(plain.fit_transform(texts), labels)
    with pytest.raises(ValueError, match="sublinear tf"):
        LinearScorer(plain, [model])
