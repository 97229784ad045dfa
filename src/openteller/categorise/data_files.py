"""Loading the categorisation data files shipped inside the package."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from openteller.domain.categories import Category

#: Keyword rules with this category keep the merchant's category but rule out income.
KEEP = "__keep__"


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("openteller.categorise").joinpath("data", name).read_text("utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


def _category(name: str, row: dict[str, str], key: str) -> Category:
    try:
        return Category.from_slug(row["category"])
    except ValueError as exc:
        raise ValueError(f"{name}: row {row[key]!r}: {exc}") from exc


def _compile(name: str, expression: str) -> re.Pattern[str]:
    try:
        return re.compile(expression)
    except re.error as exc:
        raise ValueError(f"{name}: bad pattern {expression!r}: {exc}") from exc


@dataclass(frozen=True, slots=True)
class KnownMerchant:
    pattern: re.Pattern[str]  # matches the whole upper-cased merchant text
    name: str
    category: Category


@dataclass(frozen=True, slots=True)
class KeywordRule:
    pattern: re.Pattern[str]  # matches the whole upper-cased keyword text
    category: Category | None  # None: keep the merchant's category (refunds)
    direction: str  # in | out | any


@dataclass(frozen=True, slots=True)
class Matcher:
    """One regular expression over many alternatives, and which alternative matched.

    Alternatives match whole words, where only letters make words: digits glued to a word
    ("ATM08SEP", "POS01SEP STATOIL") do not hide it.

    Searching one combined pattern is an order of magnitude faster than trying each
    pattern in turn. Text must be upper-cased by the caller (patterns are upper case).
    """

    combined: re.Pattern[str]
    alternatives: tuple[re.Pattern[str], ...]
    literals: dict[str, int]  # matched text -> index, for alternatives that are plain words

    @classmethod
    def build(cls, expressions: list[str]) -> Matcher:
        for expression in expressions:
            try:
                re.compile(expression)
            except re.error as exc:
                raise ValueError(f"bad pattern {expression!r} in the data files: {exc}") from exc
        body = "|".join(f"(?:{e})" for e in expressions)
        literals: dict[str, int] = {}
        for index, expression in enumerate(expressions):
            for word in expression.split("|"):
                if re.escape(word) == word.replace(" ", "\\ ") or word.isalnum():
                    literals.setdefault(word, index)
        return cls(
            re.compile(rf"(?<![^\W\d_])(?:{body})(?![^\W\d_])"),
            tuple(re.compile(e) for e in expressions),
            literals,
        )

    def first(self, upper_text: str) -> int | None:
        """Index of the alternative matching leftmost in the text, or None."""
        match = self.combined.search(upper_text)
        return None if match is None else self._which(match.group())

    def all(self, upper_text: str) -> set[int]:
        """Indices of every alternative found in the text."""
        return {self._which(m.group()) for m in self.combined.finditer(upper_text)}

    def _which(self, matched: str) -> int:
        known = self.literals.get(matched)
        if known is not None:
            return known
        for index, alternative in enumerate(self.alternatives):
            if alternative.fullmatch(matched):
                return index
        raise AssertionError(f"no alternative matches {matched!r}")  # pragma: no cover


@cache
def known_merchants() -> tuple[KnownMerchant, ...]:
    """Known merchants in file order."""
    name = "merchants.csv"
    return tuple(
        KnownMerchant(_compile(name, row["pattern"]), row["name"], _category(name, row, "name"))
        for row in _rows(name)
    )


@cache
def merchant_matcher() -> Matcher:
    return Matcher.build([m.pattern.pattern for m in known_merchants()])


@cache
def category_by_merchant_name() -> dict[str, Category]:
    """Category of each known merchant's display name, case-folded."""
    table: dict[str, Category] = {}
    for merchant in known_merchants():
        table.setdefault(merchant.name.casefold(), merchant.category)
    return table


@cache
def keyword_rules() -> tuple[KeywordRule, ...]:
    rules = []
    for row in _rows("keywords.csv"):
        direction = row["direction"].strip()
        if direction not in {"in", "out", "any"}:
            raise ValueError(f"keywords.csv: bad direction {direction!r} for {row['pattern']!r}")
        category = None if row["category"] == KEEP else _category("keywords.csv", row, "pattern")
        rules.append(KeywordRule(_compile("keywords.csv", row["pattern"]), category, direction))
    return tuple(rules)


@cache
def keyword_matcher() -> Matcher:
    return Matcher.build([rule.pattern.pattern for rule in keyword_rules()])


@cache
def mcc_table() -> tuple[Category, ...]:
    """Category of every code 0000-9999 (UNCATEGORISED where the table says nothing)."""
    table = [Category.UNCATEGORISED] * 10_000
    for row in _rows("mcc.csv"):
        category = _category("mcc.csv", row, "start")
        for code in range(int(row["start"]), int(row["end"]) + 1):
            table[code] = category
    return tuple(table)
