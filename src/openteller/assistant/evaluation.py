"""Cross-validated quality of the assistant's understanding (``openteller eval nlu``).

Folds are stratified over the whole training set, but the figures are measured only on
examples from the public datasets (never on the generated or hand-written ones, which
would flatter the model): skill-intent accuracy, banking questions kept out of
``out_of_scope``, non-banking questions sent to ``out_of_scope``. Each held-out message
is understood as ``openteller nlu`` understands it (spelling, classifier, slots,
corrections: :class:`Understander`), so the figures are those of what the assistant acts
on; the classifier's own figures are reported beside them. (``nlu`` also looks for the
catalogue's merchant names, which with no customer do not decide the intent; they are
left out here, as looking for them takes most of the time.) Slot accuracy is measured on
the labelled cases in ``data/slot_cases.tsv``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from typing import Any

import numpy as np
from sklearn.model_selection import StratifiedKFold

from openteller.assistant.classifier import (
    IntentClassifier,
    normalise,
    training_examples,
)
from openteller.assistant.intents import SKILL_INTENTS, Intent
from openteller.assistant.slots import extract
from openteller.assistant.understanding import Understander

DIALOGUE = {"greeting", "thanks", "goodbye", "help", "affirm", "deny"}
#: The public datasets, by their names in the corpus and as reports name them.
DATASETS = {"clinc150": "CLINC150", "banking77": "BANKING77", "nlupp": "NLU++"}
PUBLIC = set(DATASETS)
#: The day held-out messages are understood on (periods only need to be found).
EVALUATION_DAY = date(2026, 6, 15)


@dataclass(slots=True)
class Report:
    skill_accuracy: float = 0.0
    skill_count: int = 0
    banking_kept: float = 0.0
    banking_count: int = 0
    out_of_scope_recall: float = 0.0
    out_of_scope_count: int = 0
    #: Banking questions no skill answers, left to a person (not answered by a skill).
    banking_other_accuracy: float = 0.0
    banking_other_count: int = 0
    per_intent: dict[str, tuple[float, int]] = field(default_factory=dict)
    #: Skill-intent accuracy per public dataset (their labels are not equally sharp).
    per_dataset: dict[str, tuple[float, int]] = field(default_factory=dict)
    slot_accuracy: float = 0.0
    slot_count: int = 0
    #: The same three measures for the classifier's label alone, before spelling and
    #: corrections.
    classifier_alone: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def rows(self) -> list[tuple[str, float, int]]:
        rows = [
            ("skill intents: accuracy", self.skill_accuracy, self.skill_count),
            ("banking questions not sent to out_of_scope", self.banking_kept, self.banking_count),
            (
                "non-banking questions sent to out_of_scope",
                self.out_of_scope_recall,
                self.out_of_scope_count,
            ),
        ]
        rows.append(
            (
                "banking questions without a skill left to a person",
                self.banking_other_accuracy,
                self.banking_other_count,
            )
        )
        rows += [(f"  {name}", value, count) for name, (value, count) in self.per_intent.items()]
        rows += [
            (f"  skill questions from {name}", value, count)
            for name, (value, count) in self.per_dataset.items()
        ]
        rows.append(("slots: exact on labelled cases", self.slot_accuracy, self.slot_count))
        skill, kept, outside = self.classifier_alone
        rows += [
            ("classifier alone: skill intents", skill, self.skill_count),
            ("classifier alone: banking not out_of_scope", kept, self.banking_count),
            ("classifier alone: non-banking out_of_scope", outside, self.out_of_scope_count),
        ]
        return rows

    def as_json(self) -> dict[str, Any]:
        return {name.strip(): {"value": round(v, 4), "count": c} for name, v, c in self.rows()}


def evaluate(folds: int = 5, seed: int = 0) -> Report:
    examples = training_examples()
    texts = np.array([normalise(e.text) for e in examples])
    labels = np.array([e.intent for e in examples])
    sources = np.array([e.source for e in examples])
    public = np.isin(sources, list(PUBLIC))
    understood = np.empty(len(examples), dtype=object)
    classified = np.empty(len(examples), dtype=object)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(texts, labels):
        classifier = IntentClassifier.train([examples[i] for i in train])
        understander = Understander(classifier)
        measured = test[public[test]]
        classified[measured] = [i.value for i in classifier.predict_many(list(texts[measured]))]
        understood[measured] = [
            u.intent.value
            for u in understander.understand_many(
                [examples[i].text for i in measured], EVALUATION_DAY, merchants_are_theirs=False
            )
        ]
    report = _measured(understood, labels, public)
    report.per_dataset = _per_dataset(understood, labels, sources)
    alone = _measured(classified, labels, public)
    report.classifier_alone = (alone.skill_accuracy, alone.banking_kept, alone.out_of_scope_recall)
    report.slot_accuracy, report.slot_count = slot_accuracy()
    return report


def _measured(predicted: np.ndarray, labels: np.ndarray, public: np.ndarray) -> Report:
    skills = [i.value for i in SKILL_INTENTS]
    report = Report()
    skill = public & np.isin(labels, skills)
    report.skill_count = int(skill.sum())
    report.skill_accuracy = float((predicted[skill] == labels[skill]).mean())
    banking = public & (labels != Intent.OUT_OF_SCOPE.value) & ~np.isin(labels, list(DIALOGUE))
    report.banking_count = int(banking.sum())
    report.banking_kept = float((predicted[banking] != Intent.OUT_OF_SCOPE.value).mean())
    outside = public & (labels == Intent.OUT_OF_SCOPE.value)
    report.out_of_scope_count = int(outside.sum())
    report.out_of_scope_recall = float((predicted[outside] == Intent.OUT_OF_SCOPE.value).mean())
    other = public & (labels == Intent.BANKING_OTHER.value)
    report.banking_other_count = int(other.sum())
    report.banking_other_accuracy = float((predicted[other] == labels[other]).mean())
    for name in sorted(set(labels[skill])):
        chosen = public & (labels == name)
        report.per_intent[name] = (float((predicted[chosen] == name).mean()), int(chosen.sum()))
    return report


def _per_dataset(
    predicted: np.ndarray, labels: np.ndarray, sources: np.ndarray
) -> dict[str, tuple[float, int]]:
    skill = np.isin(labels, [i.value for i in SKILL_INTENTS])
    measured = {}
    for source, name in DATASETS.items():
        chosen = skill & (sources == source)
        if chosen.any():
            right = float((predicted[chosen] == labels[chosen]).mean())
            measured[name] = (right, int(chosen.sum()))
    return measured


def slot_accuracy() -> tuple[float, int]:
    """Share of labelled cases whose period, category and merchant all come out right."""
    raw = resources.files("openteller.assistant").joinpath("data", "slot_cases.tsv").read_text()
    rows = [
        r for r in csv.DictReader(io.StringIO(raw), delimiter="\t") if not r["text"].startswith("#")
    ]
    right = 0
    for row in rows:
        today = date.fromisoformat(row["today"])
        merchants = [m for m in row["merchants"].split("|") if m]
        slots = extract(row["text"], today, merchants)
        period = (
            f"{slots.period.period.start.isoformat()}..{slots.period.period.end.isoformat()}"
            if slots.period
            else ""
        )
        category = slots.category.slug if slots.category is not None else ""
        got = (period, category, slots.merchant or "")
        if got == (row["period"], row["category"], row["merchant"]):
            right += 1
    return (right / len(rows) if rows else 0.0), len(rows)
