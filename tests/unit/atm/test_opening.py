"""Opening hours: the text syntax, its canonical form, and open-at-a-moment."""

from __future__ import annotations

from datetime import datetime

import pytest

from openteller.atm.opening import OpeningHours, always, parse_opening_hours

# 2024-10-21 is a Monday.
MONDAY = datetime(2024, 10, 21)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """Monday 2024-10-21 plus ``day`` days, at hour:minute (naive local time)."""
    return MONDAY.replace(day=21 + day, hour=hour, minute=minute)


def test_weekdays_and_saturday() -> None:
    hours = parse_opening_hours("Mo-Fr 09:00-17:00; Sa 10:00-14:00")
    assert hours.days == (
        ((540, 1020),),
        ((540, 1020),),
        ((540, 1020),),
        ((540, 1020),),
        ((540, 1020),),
        ((600, 840),),
        (),
    )
    assert hours.text() == "Mo-Fr 09:00-17:00; Sa 10:00-14:00"
    assert hours.is_open_at(at(0, 9, 0))
    assert hours.is_open_at(at(4, 16, 59))
    assert not hours.is_open_at(at(4, 17, 0))  # closing time is exclusive
    assert not hours.is_open_at(at(0, 8, 59))
    assert hours.is_open_at(at(5, 12))
    assert not hours.is_open_at(at(6, 12))  # Sunday: no rule, closed


def test_text_round_trips_through_the_parser() -> None:
    for text in (
        "Mo-Fr 09:00-17:00; Sa 10:00-14:00",
        "Mo,Tu 08:00-12:00,13:00-18:00; Th 09:00-17:00",
        "Fr,Sa 18:00-02:00",
        "Mo-Su 06:00-23:00",
        "24/7",
        "closed",
    ):
        assert parse_opening_hours(text).text() == text
        assert parse_opening_hours(parse_opening_hours(text).text()) == parse_opening_hours(text)


def test_spellings_of_days_and_spacing() -> None:
    expected = parse_opening_hours("Mo-Fr 09:00-17:00")
    assert parse_opening_hours("mon-fri 9:00-17:00") == expected
    assert parse_opening_hours("  Monday-Friday   09:00 - 17:00 ;") == expected
    assert parse_opening_hours("Mo, We 10:00-12:00") == parse_opening_hours("Mo,We 10:00-12:00")
    assert parse_opening_hours("Mo-Fr 09:00-17:00; SU CLOSED").days[6] == ()


def test_always_open() -> None:
    assert parse_opening_hours("24/7") == always()
    assert parse_opening_hours("Mo-Su 00:00-24:00").always_open
    assert parse_opening_hours("Mo-Su 00:00-00:00").always_open  # end <= start: next day
    assert not parse_opening_hours("Mo-Sa 00:00-24:00").always_open
    assert always().text() == "24/7"
    assert always().is_open_at(at(6, 3))


def test_spans_past_midnight_run_into_the_next_day() -> None:
    hours = parse_opening_hours("Fr,Sa 18:00-02:00")
    assert hours.is_open_at(at(4, 23, 30))  # Friday night
    assert hours.is_open_at(at(5, 1, 59))  # early Saturday, from Friday's span
    assert not hours.is_open_at(at(5, 2, 0))
    assert hours.is_open_at(at(6, 1, 0))  # early Sunday, from Saturday's span
    assert not hours.is_open_at(at(0, 1, 0))  # early Monday: Sunday is closed


def test_a_later_rule_replaces_an_earlier_one_for_its_days() -> None:
    hours = parse_opening_hours("Mo-Fr 09:00-17:00; We 09:00-12:00; Fr off")
    assert hours.text() == "Mo,Tu 09:00-17:00; We 09:00-12:00; Th 09:00-17:00"
    assert not hours.is_open_at(at(2, 13))
    assert not hours.is_open_at(at(4, 10))


def test_day_ranges_wrap_round_the_weekend() -> None:
    hours = parse_opening_hours("Fr-Mo 10:00-16:00")
    assert [bool(spans) for spans in hours.days] == [True, False, False, False, True, True, True]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty opening hours"),
        ("09:00-17:00", "is not 'days times'"),
        ("Xy 09:00-17:00", "'Xy' is not a day"),
        ("Mo-Fr 9-17", "'9-17' is not a time span"),
        ("Mo 25:00-26:00", "25:00 is not a time of day"),
        ("Mo 09:60-17:00", "09:60 is not a time of day"),
        ("Mo 24:00-02:00", "cannot start at 24:00"),
    ],
)
def test_bad_text_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_opening_hours(text)


def test_a_timetable_needs_seven_valid_days() -> None:
    with pytest.raises(ValueError, match="seven days"):
        OpeningHours(((),))
    with pytest.raises(ValueError, match="not an opening span"):
        OpeningHours((((600, 500),),) + ((),) * 6)
