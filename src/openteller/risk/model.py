"""Gradient-boosted trees for fraud scores, kept as plain arrays.

Trained with scikit-learn's ``HistGradientBoostingClassifier``; its trees are then copied
into flat arrays (feature, threshold, NaN direction, children, leaf value per node) and
evaluated here, the way scikit-learn's predictor does: a row goes left when its value
is ``<= threshold`` (NaN follows the node's missing direction); the score is the logistic
function of the baseline plus the leaves' values.

Tail column: the trees split on histogram bins (255 quantiles of the training data), so a
rare large amount falls in the top bin with everything above the 99.6th percentile. The
model therefore adds one column: the amount when it is above ``amount_floor`` (the
training set's 95th percentile of amounts), else NaN. Missing values get a bin of their
own, so this column's 255 bins cover the top 5% of amounts alone.

Ensemble (optional, ``params={"ensemble": k, "max_features": 0.5}``; default 1 booster):
k boosters with seeds ``seed``, ``seed + 1``, ... (they differ only with ``max_features``
< 1), stored as one model whose raw score is the mean of theirs (leaf values divided by
k, baseline the mean of theirs), so scoring is unchanged. Three were slightly better on
validation but triple the trees, which breaks the batch speed target; see docs/risk.md.

File format: a numpy ``.npz`` archive of those arrays plus a JSON ``meta`` entry (format
version, feature names, label delay, training summary), read with
``allow_pickle=False``: loading a model file runs no code from it.
"""

from __future__ import annotations

import io
import json
import math
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from openteller.risk.features import FEATURES
from openteller.risk.records import LABEL_DELAY_DAYS, RiskError

FORMAT = "openteller-risk-model/1"
DEFAULT_PARAMS: dict[str, Any] = {
    "learning_rate": 0.05,
    "max_iter": 300,
    "max_leaf_nodes": 7,
    "min_samples_leaf": 40,
    "l2_regularization": 1.0,
    "early_stopping": False,
    "ensemble": 1,
}
TAIL_QUANTILE = 0.95
_CHUNK = 65_536  # rows scored together: small enough for the CPU caches
_ARRAYS = ("feature", "threshold", "missing_left", "left", "right", "value", "roots")


@dataclass
class RiskModel:
    """A trained model: flat tree arrays plus what it was trained on."""

    features: tuple[str, ...]
    baseline: float
    feature: NDArray[np.int64]  # -1 on leaves
    threshold: NDArray[np.float64]
    missing_left: NDArray[np.bool_]
    left: NDArray[np.int64]
    right: NDArray[np.int64]
    value: NDArray[np.float64]
    roots: NDArray[np.int64]
    amount_floor: float = math.nan  # NaN: no tail column (no TX_AMOUNT feature)
    delay_days: int = LABEL_DELAY_DAYS
    info: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._nodes = list(
            zip(
                self.feature.tolist(),
                self.threshold.tolist(),
                self.missing_left.tolist(),
                self.left.tolist(),
                self.right.tolist(),
                self.value.tolist(),
                strict=True,
            )
        )
        self._roots = self.roots.tolist()
        self._amount = self.features.index("TX_AMOUNT") if "TX_AMOUNT" in self.features else -1

    @classmethod
    def train(
        cls,
        matrix: NDArray[np.float64],
        labels: NDArray[Any] | Sequence[bool],
        *,
        seed: int = 0,
        params: dict[str, Any] | None = None,
        features: Sequence[str] = FEATURES,
        info: dict[str, Any] | None = None,
    ) -> RiskModel:
        """Fit ``HistGradientBoostingClassifier`` on ``matrix`` (rows x ``features``)."""
        from sklearn.ensemble import HistGradientBoostingClassifier

        y = np.asarray(labels).astype(int)
        if matrix.shape[1] != len(features):
            raise RiskError(f"{matrix.shape[1]} feature columns for {len(features)} names")
        if len(np.unique(y)) != 2:
            raise RiskError("training needs both fraud and genuine transactions")
        chosen = {**DEFAULT_PARAMS, **(params or {})}
        floor = math.nan
        if "TX_AMOUNT" in features:
            floor = float(np.quantile(matrix[:, list(features).index("TX_AMOUNT")], TAIL_QUANTILE))
        size = int(chosen.pop("ensemble", 1))
        data = _with_tail(matrix, list(features), floor)
        summary = {**(info or {}), "params": {**chosen, "ensemble": size}, "seed": seed}
        members = []
        for i in range(size):
            estimator = HistGradientBoostingClassifier(random_state=seed + i, **chosen)
            estimator.fit(data, y)
            members.append(cls.from_sklearn(estimator, features, {}, floor))
        return cls.average(members, {**summary, "rows": len(y)})

    @classmethod
    def average(cls, members: Sequence[RiskModel], info: dict[str, Any]) -> RiskModel:
        """One model whose raw score is the mean of ``members``' (same features, floor)."""
        first, size = members[0], len(members)
        offsets = np.cumsum([0] + [len(m.feature) for m in members[:-1]])
        shift = {"left": True, "right": True, "roots": True}
        joined = {
            name: np.concatenate(
                [
                    getattr(m, name) + (offset if name in shift else 0)
                    for m, offset in zip(members, offsets, strict=True)
                ]
            )
            for name in _ARRAYS
        }
        return cls(
            features=first.features,
            baseline=sum(m.baseline for m in members) / size,
            amount_floor=first.amount_floor,
            delay_days=first.delay_days,
            info=info,
            feature=joined["feature"],
            threshold=joined["threshold"],
            missing_left=joined["missing_left"],
            left=joined["left"],
            right=joined["right"],
            value=joined["value"] / size,
            roots=joined["roots"],
        )

    @classmethod
    def from_sklearn(
        cls,
        estimator: Any,
        features: Sequence[str],
        info: dict[str, Any],
        amount_floor: float = math.nan,
    ) -> RiskModel:
        """Copy a fitted binary ``HistGradientBoostingClassifier``'s trees."""
        parts: dict[str, list[NDArray[Any]]] = {name: [] for name in _ARRAYS if name != "roots"}
        roots, offset = [], 0
        for (predictor,) in estimator._predictors:
            nodes = predictor.nodes
            if nodes["is_categorical"].any():
                raise RiskError("categorical splits are not supported")
            leaf = nodes["is_leaf"].astype(bool)
            parts["feature"].append(np.where(leaf, -1, nodes["feature_idx"]).astype(np.int64))
            parts["threshold"].append(nodes["num_threshold"].astype(np.float64))
            parts["missing_left"].append(nodes["missing_go_to_left"].astype(bool))
            parts["left"].append(nodes["left"].astype(np.int64) + offset)
            parts["right"].append(nodes["right"].astype(np.int64) + offset)
            parts["value"].append(nodes["value"].astype(np.float64))
            roots.append(offset)
            offset += len(nodes)
        joined = {name: np.concatenate(arrays) for name, arrays in parts.items()}
        return cls(
            features=tuple(features),
            baseline=float(np.ravel(estimator._baseline_prediction)[0]),
            roots=np.array(roots, dtype=np.int64),
            amount_floor=amount_floor,
            info=info,
            feature=joined["feature"],
            threshold=joined["threshold"],
            missing_left=joined["missing_left"],
            left=joined["left"],
            right=joined["right"],
            value=joined["value"],
        )

    def score_one(self, features: Sequence[float]) -> float:
        """The fraud probability of one feature row."""
        if len(features) != len(self.features):
            raise RiskError(f"expected {len(self.features)} features, got {len(features)}")
        if self._amount >= 0:
            amount = features[self._amount]
            features = [*features, amount if amount > self.amount_floor else math.nan]
        nodes = self._nodes
        raw = self.baseline
        for node in self._roots:
            column, threshold, missing_left, left, right, value = nodes[node]
            while column >= 0:
                x = features[column]
                node = left if x <= threshold or (x != x and missing_left) else right
                column, threshold, missing_left, left, right, value = nodes[node]
            raw += value
        return 1.0 / (1.0 + math.exp(-raw))

    def score_many(
        self, matrix: NDArray[np.float64] | Sequence[Sequence[float]]
    ) -> NDArray[np.float64]:
        """The fraud probabilities of the rows of ``matrix``."""
        data = np.asarray(matrix, dtype=np.float64)
        if data.ndim != 2 or data.shape[1] != len(self.features):
            raise RiskError(f"expected rows of {len(self.features)} features, got {data.shape}")
        data = _with_tail(data, list(self.features), self.amount_floor)
        raw = np.concatenate(
            [
                self._raw(np.asfortranarray(data[i : i + _CHUNK]))
                for i in range(0, len(data), _CHUNK)
            ]
            or [np.zeros(0)]
        )
        scores: NDArray[np.float64] = 1.0 / (1.0 + np.exp(-raw))
        return scores

    def _raw(self, data: NDArray[np.float64]) -> NDArray[np.float64]:
        """Raw scores of a chunk of rows, partitioned through each tree with numpy."""
        raw = np.full(len(data), self.baseline)
        everyone = np.arange(len(data))
        for root in self._roots:
            stack = [(root, everyone)]
            while stack:
                node, rows = stack.pop()
                column = self.feature[node]
                if column < 0:
                    raw[rows] += self.value[node]
                    continue
                x = data[rows, column]
                left = x <= self.threshold[node]
                if self.missing_left[node]:
                    left |= np.isnan(x)
                stack.append((int(self.left[node]), rows[left]))
                stack.append((int(self.right[node]), rows[~left]))
        return raw

    def save(self, path: Path) -> None:
        """Write the model (see the module docstring), atomically."""
        meta = {
            "format": FORMAT,
            "features": list(self.features),
            "baseline": self.baseline,
            "amount_floor": None if math.isnan(self.amount_floor) else self.amount_floor,
            "delay_days": self.delay_days,
            "info": self.info,
        }
        buffer = io.BytesIO()
        arrays = {name: getattr(self, name) for name in _ARRAYS}
        np.savez_compressed(
            buffer, meta=np.frombuffer(json.dumps(meta).encode(), np.uint8), **arrays
        )
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(buffer.getvalue())
            Path(temporary).replace(path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path) -> RiskModel:
        """Read a model written by :meth:`save`; no pickled objects are accepted."""
        try:
            with np.load(path, allow_pickle=False) as archive:
                meta = json.loads(archive["meta"].tobytes().decode())
                arrays = {name: archive[name] for name in _ARRAYS}
        except (OSError, ValueError, KeyError) as exc:
            if isinstance(exc, FileNotFoundError):
                raise RiskError(f"{path}: no such file") from exc
            raise RiskError(
                f"{path}: not a risk model file (an .npz written by `openteller risk train`)"
            ) from exc
        if meta.get("format") != FORMAT:
            raise RiskError(f"{path}: model format {meta.get('format')!r}, expected {FORMAT}")
        if tuple(meta["features"]) != FEATURES:
            raise RiskError(f"{path}: trained on other features than this version computes")
        return cls(
            features=tuple(meta["features"]),
            baseline=float(meta["baseline"]),
            amount_floor=math.nan if meta["amount_floor"] is None else meta["amount_floor"],
            delay_days=int(meta["delay_days"]),
            info=meta.get("info", {}),
            feature=arrays["feature"].astype(np.int64),
            threshold=arrays["threshold"].astype(np.float64),
            missing_left=arrays["missing_left"].astype(bool),
            left=arrays["left"].astype(np.int64),
            right=arrays["right"].astype(np.int64),
            value=arrays["value"].astype(np.float64),
            roots=arrays["roots"].astype(np.int64),
        )


def _with_tail(
    matrix: NDArray[np.float64], features: list[str], floor: float
) -> NDArray[np.float64]:
    """``matrix`` plus the tail column of the amount (see the module docstring)."""
    if "TX_AMOUNT" not in features:
        return matrix
    amount = matrix[:, features.index("TX_AMOUNT")]
    return np.column_stack([matrix, np.where(amount > floor, amount, np.nan)])
