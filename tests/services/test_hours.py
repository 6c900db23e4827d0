"""Opening hours: one text format, parsed to a structure; anything malformed is refused."""

from datetime import datetime

import pytest

from services.hours import DAYS, HoursError, is_open, parse_hours


def test_weekdays_and_a_saturday():
    hours = parse_hours("Mon-Fri 08:30-12:00,14:30-17:30; Sat 09:00-12:00")
    assert hours["mon"] == hours["fri"] == [["08:30", "12:00"], ["14:30", "17:30"]]
    assert hours["sat"] == [["09:00", "12:00"]] and hours["sun"] == []
    assert list(hours) == list(DAYS)


def test_daily_lists_always_and_closed():
    assert parse_hours("Daily 07:00-09:00,11:00-13:00")["sun"] == [["07:00", "09:00"], ["11:00", "13:00"]]
    assert parse_hours("24/7")["wed"] == [["00:00", "24:00"]]
    later_wins = parse_hours("Daily 08:00-20:00; Sat,Sun closed")
    assert later_wins["sat"] == later_wins["sun"] == [] and later_wins["fri"] == [["08:00", "20:00"]]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Mon-Fri",  # no hours
        "Mon-Fri 8.30-12",  # not HH:MM
        "Mon-Fri 08:30-25:00",  # no such hour
        "Mon-Fri 12:00-08:30",  # ends before it starts
        "Mon-Fri 08:00-12:00,11:00-14:00",  # overlaps
        "Fri-Mon 08:00-12:00",  # backwards
        "Funday 08:00-12:00",  # no such day
        "周一至周五 08:30-17:30",  # the format is English day names
        "x" * 201,
    ],
)
def test_malformed_hours_are_refused_with_a_message(text):
    with pytest.raises(HoursError) as exc:
        parse_hours(text)
    assert str(exc.value)


def test_is_open():
    hours = parse_hours("Mon-Fri 08:30-12:00,14:30-17:30")
    assert is_open(hours, datetime(2026, 11, 23, 9, 0))  # a Monday
    assert not is_open(hours, datetime(2026, 11, 23, 13, 0))
    assert not is_open(hours, datetime(2026, 11, 22, 9, 0))  # a Sunday
