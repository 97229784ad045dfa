"""Typos in the words the assistant's answers hang on, put right before understanding.

"how much did i spend on grocerys last mnth" used to lose both the category and the
period, and was answered, confidently, with this month's total of everything. Here a word
the model never saw in training is replaced by the one domain word (periods, categories,
banking words) within one edit of it, or two for words of seven letters or more; a word
the model knows, a merchant of the customer's, a number or a short word is left alone,
and so is a word with no single closest domain word. Place names and merchants are not
domain words, so they are never "corrected" into one unless one edit away.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

#: Words periods, categories and requests are made of (the slot finders look for these).
BANKING_WORDS = frozenset(
    """
    balance balances account accounts checking savings credit card cards debit money
    spend spent spending spendings expense expenses purchase purchases payment payments
    paid pay transaction transactions history statement income salary wages paycheck
    received earned deposit deposits refund refunds transfer transfers freeze unfreeze
    block unblock stolen lost atm atms nearest cash withdraw withdrawal much many total
    usual usually average compared compare breakdown category categories merchant
    today yesterday tomorrow week weeks weekend month months year years quarter day days
    last this since past previous between during fortnight ago recent recently latest
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday
    spring summer autumn winter
    privacy consent consents data erase delete export
    """.split()
)

_WORD = re.compile(r"[A-Za-z][A-Za-z']*")


#: Words this long may be two edits off; shorter ones one.
LONG = 7


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _variants(word: str, edits: int) -> set[str]:
    """``word`` and every form of it with up to ``edits`` letters dropped."""
    found = {word}
    frontier = {word}
    for _ in range(edits):
        frontier = {shorter for w in frontier for shorter in _deletes(w)}
        found |= frontier
    return found


def _distance(a: str, b: str) -> int:
    """Optimal string alignment distance (edits, with adjacent swaps as one)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


class Speller:
    """Corrects misspelt domain words in a message (see the module's docstring)."""

    def __init__(self, domain_words: Iterable[str], known_words: Iterable[str]) -> None:
        self._domain = frozenset(w.lower() for w in domain_words if w.isalpha())
        self._known = frozenset(w.lower() for w in known_words) | self._domain
        # Every domain word under itself and each form with one letter dropped (two, for
        # long words): a typo shares one of these keys with the word it spoils.
        self._by_delete: dict[str, set[str]] = {}
        for word in self._domain:
            for key in _variants(word, 2 if len(word) >= LONG - 1 else 1):
                self._by_delete.setdefault(key, set()).add(word)
        self._closest = lru_cache(maxsize=4096)(self._closest_uncached)

    def correct(self, text: str, keep: Iterable[str] = ()) -> str:
        """``text`` with misspelt domain words replaced; ``keep``: words never touched
        (the customer's merchant names, say)."""
        kept = {w.lower() for w in keep}
        return _WORD.sub(lambda found: self._word(found.group(0), kept), text)

    def _word(self, word: str, kept: set[str]) -> str:
        lowered = word.lower()
        if len(lowered) < 3 or lowered in self._known or lowered in kept or "'" in lowered:
            return word
        return self._closest(lowered) or word

    def _closest_uncached(self, word: str) -> str | None:
        allowed = 2 if len(word) >= LONG else 1
        candidates: set[str] = set()
        for key in _variants(word, allowed):
            candidates |= self._by_delete.get(key, set())
        scored = sorted((_distance(word, c), c) for c in candidates)
        scored = [(d, c) for d, c in scored if d <= allowed]
        if not scored or (len(scored) > 1 and scored[0][0] == scored[1][0]):
            return None  # nothing close, or no single closest word
        return scored[0][1]
