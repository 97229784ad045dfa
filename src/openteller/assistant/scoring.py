"""Linear scores of one message, computed straight from the fitted TF-IDF features.

scikit-learn's ``FeatureUnion.transform`` and ``decision_function`` check their input,
build sparse matrices and dispatch through joblib on every call: for a single chat
message that machinery took about 1.8 ms of the 0.1 ms the arithmetic needs. A
:class:`LinearScorer` holds what the fitted vectorizers and linear models learnt (each
vectorizer's analyzer, vocabulary and idf weights; the models' coefficients, one row per
feature) and computes the same scores: for each vectorizer, the message's known terms
counted, ``1 + log(count)`` (sublinear tf) times idf, scaled to unit length; then the
weighted sum of those features' coefficient rows plus the intercepts. The result equals
``decision_function(features.transform([text]))`` to floating-point rounding (tested).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC


@dataclass(frozen=True, slots=True)
class _Block:
    """One vectorizer's share of the features."""

    analyze: Callable[[str], list[str]]
    vocabulary: dict[str, int]
    idf: np.ndarray
    offset: int  # where its columns start in the union's features


class LinearScorer:
    """``[model.decision_function(features.transform([text])) for model in models]``,
    concatenated, for one text at a time, without the per-call machinery."""

    def __init__(self, features: FeatureUnion, models: Sequence[LinearSVC]) -> None:
        self._blocks: list[_Block] = []
        offset = 0
        for name, vectorizer in features.transformer_list:
            _check_supported(name, vectorizer)
            self._blocks.append(
                _Block(
                    vectorizer.build_analyzer(),
                    vectorizer.vocabulary_,
                    vectorizer.idf_,
                    offset,
                )
            )
            offset += len(vectorizer.vocabulary_)
        # One row per feature, one column per score: the rows a message's features pick
        # are contiguous in memory.
        self._weights = np.ascontiguousarray(
            np.hstack([np.atleast_2d(model.coef_).T for model in models])
        )
        if self._weights.shape[0] != offset:
            raise ValueError(
                f"the models have {self._weights.shape[0]} coefficients per score but the "
                f"features give {offset}"
            )
        self._intercepts = np.concatenate([np.atleast_1d(model.intercept_) for model in models])

    def scores(self, text: str) -> np.ndarray:
        """Every model's decision scores for ``text``, in the order of ``models``."""
        columns: list[np.ndarray] = []
        values: list[np.ndarray] = []
        for block in self._blocks:
            counts: Counter[int] = Counter()
            for term in block.analyze(text):
                column = block.vocabulary.get(term)
                if column is not None:
                    counts[column] += 1
            if not counts:
                continue
            found = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            weights = (np.log(tf) + 1.0) * block.idf[found]
            weights /= math.sqrt(float(weights @ weights))
            columns.append(found + block.offset)
            values.append(weights)
        if not columns:
            return self._intercepts.copy()
        scores: np.ndarray = (
            np.concatenate(values) @ self._weights[np.concatenate(columns)] + self._intercepts
        )
        return scores


def _check_supported(name: str, vectorizer: object) -> None:
    """Only what :meth:`LinearScorer.scores` reproduces: TF-IDF with sublinear tf, idf
    weights and unit (l2) length."""
    if not isinstance(vectorizer, TfidfVectorizer):
        raise TypeError(f"feature {name!r} is a {type(vectorizer).__name__}, not a TF-IDF")
    if not (vectorizer.sublinear_tf and vectorizer.use_idf and vectorizer.norm == "l2"):
        raise ValueError(
            f"feature {name!r} must use sublinear tf, idf and l2 norm to be scored directly"
        )


__all__ = ["LinearScorer"]
