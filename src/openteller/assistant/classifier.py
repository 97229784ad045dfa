"""The intent classifier: TF-IDF word and character n-grams and a linear SVM.

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
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline, make_pipeline, make_union
from sklearn.svm import LinearSVC

from openteller.assistant.augment import generated
from openteller.assistant.intents import Intent

#: Bump when the features or the estimator change (invalidates cached models).
MODEL_VERSION = "1"
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


def build_pipeline() -> Pipeline:
    features = make_union(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, lowercase=True),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2),
    )
    return make_pipeline(features, LinearSVC(C=0.5, class_weight="balanced"))


def normalise(text: str) -> str:
    return " ".join(text[:MAX_CHARS].split()).lower()


class IntentClassifier:
    """A fitted model and the labels it predicts."""

    def __init__(self, pipeline: Pipeline) -> None:
        self._pipeline = pipeline
        self._labels = [Intent(label) for label in pipeline.classes_]

    @classmethod
    def train(cls, examples: list[Example]) -> IntentClassifier:
        pipeline = build_pipeline()
        pipeline.fit([normalise(e.text) for e in examples], [e.intent for e in examples])
        return cls(pipeline)

    def predict(self, text: str) -> Prediction:
        scores = self._pipeline.decision_function([normalise(text)])[0]
        best = int(np.argmax(scores))
        exp = np.exp((scores - scores[best]) * 4.0)
        return Prediction(self._labels[best], float(exp[best] / exp.sum()))

    def known_words(self) -> frozenset[str]:
        """The words the model saw in training (its word features' single words)."""
        union = self._pipeline.steps[0][1]
        words = union.transformer_list[0][1].vocabulary_
        return frozenset(term for term in words if " " not in term)

    def predict_many(self, texts: list[str]) -> list[Intent]:
        return [Intent(label) for label in self._pipeline.predict([normalise(t) for t in texts])]


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
                pipeline = pickle.load(handle)
            if isinstance(pipeline, Pipeline):
                return IntentClassifier(pipeline)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            pass
    model = IntentClassifier.train(training_examples())
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(model._pipeline, handle, protocol=pickle.HIGHEST_PROTOCOL)
        Path(temporary).replace(path)
    except OSError:
        pass  # a read-only home: train each time, still correct
    return model
