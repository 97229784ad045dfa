"""Spending charts as PNG images (matplotlib, headless)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt


def spending_chart(groups: list[tuple[str, int]], currency: str, *, title: str) -> bytes:
    """A horizontal bar chart of (name, minor units), largest on top, as PNG bytes."""
    names = [name.replace("_", " ") for name, _ in groups][::-1]
    values = [value / 100 for _, value in groups][::-1]
    figure, axes = plt.subplots(figsize=(6, 0.45 * len(groups) + 1.2), dpi=100)
    try:
        axes.barh(names, values, color="#2f6f9f")
        axes.set_title(title, fontsize=11)
        axes.set_xlabel(currency)
        axes.spines[["top", "right"]].set_visible(False)
        for index, value in enumerate(values):
            axes.text(value, index, f" {value:,.2f}", va="center", fontsize=8)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(figure)
