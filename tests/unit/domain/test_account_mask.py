"""Only the last four characters of an account number are kept, and only a number."""

from __future__ import annotations

import pytest

from openteller.domain.accounts import mask


@pytest.mark.parametrize(
    ("identifier", "shown"),
    [
        ("NL91 ABNA 0417 1643 00", "4300"),
        ("4111-1111-1111-1111", "1111"),
        ("20-32-06 13152170", "2170"),
        ("XXXX12AB", "12AB"),
        ("wells_fargo", ""),  # a name a CSV preset stands in with: no number to show
        ("revolut", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_the_mask_is_the_last_four_of_a_number(identifier: str | None, shown: str) -> None:
    assert mask(identifier) == shown
