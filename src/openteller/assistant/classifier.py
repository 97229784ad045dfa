"""The intent classifier: TF-IDF word and character n-grams and two linear SVMs.

One SVM picks the intent among all of them; a second, trained on the same features,
only tells questions outside banking from the rest (out of scope or not). A message goes
``out_of_scope`` when the second says so, unless the first is sure of a skill (its top
intent is one); otherwise it gets the first's best intent other than ``out_of_scope``.
Measured by cross-validation on the public datasets (docs/assistant.md), the dedicated
out-of-scope model keeps more banking questions in scope and sends more of the others out
than the intent model's own ``out_of_scope`` class, without costing the skills.

Deterministic, CPU-only, no network. It trains from data shipped in the package
(``data/corpus.tsv.gz``, derived from CLINC150, BANKING77 and NLU++; ``data/examples.txt``;
the generated questions of :mod:`openteller.assistant.augment`) on first use, in a few
seconds, and caches the fitted model under the user's cache directory keyed by the
training data and library versions, so later processes load it in well under a second.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import os
import pickle
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, make_union
from sklearn.svm import LinearSVC

from openteller.assistant.augment import generated
from openteller.assistant.intents import SKILL_INTENTS, Intent
from openteller.assistant.scoring import LinearScorer

#: Bump when the features or the estimator change (invalidates cached models).
MODEL_VERSION = "2"
MAX_CHARS = 500  # longer messages are cut before classification (they are never questions)


@dataclass(frozen=True, slots=True)
class Example:
    source: str
    intent: str
    text: str


@dataclass(frozen=True, slots=True)
class Prediction:
    intent: Intent
    confidence: float  # 0..1, a softmax over the SVM's decision scores


def _data_text(name: str) -> bytes:
    return resources.files("openteller.assistant").joinpath("data", name).read_bytes()


def own_examples(text: str | None = None) -> list[Example]:
    """The hand-written examples in ``data/examples.txt``."""
    content = text if text is not None else _data_text("examples.txt").decode("utf-8")
    intent = ""
    result: list[Example] = []
    for raw in content.splitlines():
        line = raw.strip()
        if line.startswith("## "):
            intent = Intent(line[3:].strip()).value
        elif line and not line.startswith("#"):
            result.append(Example("own", intent, line))
    return result


def corpus_examples() -> list[Example]:
    """The public-dataset examples shipped in ``data/corpus.tsv.gz``."""
    with gzip.open(io.BytesIO(_data_text("corpus.tsv.gz")), "rt", encoding="utf-8") as handle:
        return [
            Example(row["source"], Intent(row["intent"]).value, row["text"])
            for row in csv.DictReader(handle, delimiter="\t")
        ]


def training_examples() -> list[Example]:
    return (
        corpus_examples()
        + own_examples()
        + [Example("generated", intent, text) for intent, text in generated()]
    )


def build_features() -> FeatureUnion:
    return make_union(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, lowercase=True),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2),
    )


def build_svm() -> LinearSVC:
    return LinearSVC(C=0.5, class_weight="balanced")


@dataclass(frozen=True, slots=True)
class FittedModel:
    """What is cached: the features and both SVMs (see the module's docstring)."""

    features: FeatureUnion
    intents: LinearSVC
    outside: LinearSVC  # 1 = out of scope


def normalise(text: str) -> str:
    return " ".join(text[:MAX_CHARS].split()).lower()


class IntentClassifier:
    """A fitted model and the labels it predicts."""

    def __init__(self, model: FittedModel) -> None:
        self._model = model
        self._labels = [Intent(label) for label in model.intents.classes_]
        self._outside_column = self._labels.index(Intent.OUT_OF_SCOPE)
        self._skill_columns = np.array([label in SKILL_INTENTS for label in self._labels])
        # The intent scores, then the out-of-scope score (last column).
        self._scorer = LinearScorer(model.features, [model.intents, model.outside])

    @classmethod
    def train(cls, examples: list[Example]) -> IntentClassifier:
        features = build_features()
        matrix = features.fit_transform([normalise(e.text) for e in examples])
        labels = np.array([e.intent for e in examples])
        intents = build_svm().fit(matrix, labels)
        outside = build_svm().fit(matrix, (labels == Intent.OUT_OF_SCOPE.value).astype(int))
        return cls(FittedModel(features, intents, outside))

    def predict(self, text: str) -> Prediction:
        return self.predictions([text])[0]

    def predict_many(self, texts: list[str]) -> list[Intent]:
        return [prediction.intent for prediction in self.predictions(texts)]

    def predictions(self, texts: Sequence[str]) -> list[Prediction]:
        """One prediction per text (scored by :class:`LinearScorer`, which gives the fitted
        models' own decision scores without scikit-learn's per-call checks)."""
        if not texts:
            return []
        both = np.array([self._scorer.scores(normalise(t)) for t in texts])
        all_scores, outside_scores = both[:, :-1], both[:, -1]
        predictions = []
        for scores, outside_score in zip(all_scores, outside_scores, strict=True):
            top = int(np.argmax(scores))
            if outside_score > 0 and not self._skill_columns[top]:
                confidence = 1.0 / (1.0 + np.exp(-4.0 * outside_score))
                predictions.append(Prediction(Intent.OUT_OF_SCOPE, float(confidence)))
                continue
            inside = scores.copy()
            inside[self._outside_column] = -np.inf
            best = int(np.argmax(inside))
            exp = np.exp((inside - inside[best]) * 4.0)
            predictions.append(Prediction(self._labels[best], float(exp[best] / exp.sum())))
        return predictions

    def known_words(self) -> frozenset[str]:
        """The words the model saw in training (its word features' single words)."""
        words = self._model.features.transformer_list[0][1].vocabulary_
        return frozenset(term for term in words if " " not in term)


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for name in ("corpus.tsv.gz", "examples.txt"):
        digest.update(_data_text(name))
    digest.update(repr(generated(per_intent=5)).encode())
    digest.update(f"{MODEL_VERSION}:{sklearn.__version__}:{np.__version__}".encode())
    return digest.hexdigest()[:16]


def cache_dir() -> Path:
    configured = os.environ.get("OPENTELLER_MODEL_CACHE")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "openteller"


def load_classifier(directory: Path | None = None) -> IntentClassifier:
    """The cached model for the shipped training data, trained and cached if missing.

    The cache holds only a model fitted to data shipped with OpenTeller (no customer
    data). It is written atomically; a corrupt or foreign cache file is retrained over.
    """
    folder = directory or cache_dir()
    path = folder / f"intents-{_fingerprint()}.pkl"
    if path.is_file():
        try:
            with path.open("rb") as handle:
                model = pickle.load(handle)
            if isinstance(model, FittedModel):
                return IntentClassifier(model)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            pass
    classifier = IntentClassifier.train(training_examples())
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(classifier._model, handle, protocol=pickle.HIGHEST_PROTOCOL)
        Path(temporary).replace(path)
    except OSError:
        pass  # a read-only home: train each time, still correct
    return classifier
