"""Deadlines on the Chinese working calendar. Office hours are the default 08:30-12:00,14:30-17:30
(3.5 h + 3 h = 6.5 h a day). 2026-03-09 is a Monday with no holiday that week."""

import logging
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from events import worktime
from events.models import Holiday
from events.worktime import (
    WorkCalendar,
    add_emergency_hours,
    add_working_days,
    add_working_hours,
    deadline,
    holiday_seed,
    parse_office_hours,
    working_hours_between,
    years_without_data,
)

TZ = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


@pytest.fixture(autouse=True)
def office_hours(settings):
    settings.OFFICE_HOURS = "08:30-12:00,14:30-17:30"
    settings.TIME_ZONE = "Asia/Shanghai"


@pytest.fixture(autouse=True)
def fresh_warnings(monkeypatch):
    """The missing-year warning is logged once per process; each test starts without one."""
    monkeypatch.setattr(worktime, "_warned_years", set())


@pytest.fixture(autouse=True)
def empty_holiday_table(request):
    """The migrations seed the table; these tests start from an empty one and seed what they need."""
    if request.node.get_closest_marker("django_db") or {"db", "seeded"} & set(request.fixturenames):
        request.getfixturevalue("db")
        Holiday.objects.all().delete()


@pytest.fixture
def seeded(db):
    return holiday_seed(years=[2026])


# --- office hours


def test_parse_office_hours_sorts():
    assert parse_office_hours(" 14:30-17:30, 8:30-12:00") == [
        (datetime(1, 1, 1, 8, 30).time(), datetime(1, 1, 1, 12, 0).time()),
        (datetime(1, 1, 1, 14, 30).time(), datetime(1, 1, 1, 17, 30).time()),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "08:30",
        "8:30-12",
        "08:30-12:00;14:30-17:30",
        "12:00-08:30",
        "09:00-09:00",
        "25:00-26:00",
        "08:30-12:00,11:00-13:00",
        "08:30-12:00,",
    ],
)
def test_malformed_office_hours_raise(text):
    with pytest.raises(ImproperlyConfigured, match="OFFICE_HOURS"):
        parse_office_hours(text)


@pytest.mark.django_db
def test_malformed_office_hours_setting_stops_deadlines(settings):
    settings.OFFICE_HOURS = "8.30-12.00"
    with pytest.raises(ImproperlyConfigured):
        add_working_hours(at("2026-03-09 09:00"), 1)


@pytest.mark.django_db
def test_office_hours_setting_is_used(settings):
    settings.OFFICE_HOURS = "09:00-17:00"
    # Mon 16:00 → 1 h to 17:00, 1 h from Tue 09:00 → Tue 10:00.
    assert add_working_hours(at("2026-03-09 16:00"), 2) == at("2026-03-10 10:00")


# --- working hours


@pytest.mark.django_db
@pytest.mark.parametrize(
    "start, hours, due",
    [
        ("2026-03-09 09:00", 2, "2026-03-09 11:00"),  # within the morning
        ("2026-03-09 11:00", 2, "2026-03-09 15:30"),  # 1 h to 12:00, lunch, 1 h from 14:30
        ("2026-03-09 08:30", 3.5, "2026-03-09 12:00"),  # due at the close of the morning, not at 14:30
        ("2026-03-09 16:30", 2, "2026-03-10 09:30"),  # 1 h to 17:30, overnight, 1 h from 08:30
        ("2026-03-09 07:00", 1, "2026-03-09 09:30"),  # before office: counting starts at 08:30
        ("2026-03-09 12:30", 1, "2026-03-09 15:30"),  # lunch: counting starts at 14:30
        ("2026-03-09 18:00", 1, "2026-03-10 09:30"),  # evening: counting starts Tue 08:30
        ("2026-03-14 10:00", 1, "2026-03-16 09:30"),  # Saturday: counting starts Mon 08:30
        ("2026-03-13 17:00", 7, "2026-03-16 17:30"),  # Fri 0.5 h, weekend, Mon's whole 6.5 h → Mon's close
        ("2026-03-09 09:00", Decimal("1.5"), "2026-03-09 10:30"),
        ("2026-03-09 09:00", 13, "2026-03-11 09:00"),  # Mon 3 h + 3 h, Tue 6.5 h (0.5 h left), Wed 08:30 + 0.5 h
    ],
)
def test_add_working_hours(start, hours, due):
    assert add_working_hours(at(start), hours) == at(due)


@pytest.mark.django_db
def test_add_working_hours_zero_is_start():
    assert add_working_hours(at("2026-03-14 10:00"), 0) == at("2026-03-14 10:00")


@pytest.mark.django_db
def test_add_working_hours_takes_any_aware_time_zone():
    # 01:00 UTC = 09:00 in Shanghai; + 2 h → 11:00 Shanghai.
    start = datetime(2026, 3, 9, 1, 0, tzinfo=ZoneInfo("UTC"))
    assert add_working_hours(start, 2) == at("2026-03-09 11:00")


@pytest.mark.django_db
def test_office_hours_are_the_countys_not_the_users_time_zone():
    # A user browsing in UTC: Mon 09:00 Shanghai + 2 h is still 11:00 Shanghai (03:00 UTC).
    with timezone.override("UTC"):
        assert add_working_hours(at("2026-03-09 09:00"), 2) == datetime(2026, 3, 9, 3, 0, tzinfo=ZoneInfo("UTC"))


def test_naive_start_is_refused():
    with pytest.raises(ValueError, match="aware"):
        add_working_hours(datetime(2026, 3, 9, 9, 0), 1, calendar=WorkCalendar())


# --- statutory holidays and 调休 weekends (2026, from chinesecalendar)


def test_national_day_across_holiday(seeded):
    # Wed 09-30 16:30: 1 h to 17:30; 10-01..07 holidays; Thu 10-08 6.5 h (0.5 h left); Fri 10-09 08:30 + 0.5 h.
    assert add_working_hours(at("2026-09-30 16:30"), 8) == at("2026-10-09 09:00")


def test_national_day_without_table_counts_plain_week(db):
    # The table decides: with no rows, Thu 10-01 is an ordinary workday → 1 h + 7 h: 10-01 6.5 h, Fri 10-02 09:00.
    assert add_working_hours(at("2026-09-30 16:30"), 8) == at("2026-10-02 09:00")


def test_working_saturday_after_national_day(seeded):
    # Fri 10-09 16:30: 1 h to 17:30; Sat 10-10 is a 调休 workday → 08:30 + 1 h.
    assert add_working_hours(at("2026-10-09 16:30"), 2) == at("2026-10-10 09:30")


def test_working_sunday_before_national_day(seeded):
    # Sat 09-19 is an ordinary weekend; Sun 09-20 is a 调休 workday → 08:30 + 1 h.
    assert add_working_hours(at("2026-09-19 10:00"), 1) == at("2026-09-20 09:30")


def test_mid_autumn_holiday(seeded):
    # Thu 09-24 17:00: 0.5 h; Fri 09-25..Sun 09-27 中秋节; Mon 09-28 08:30 + 0.5 h.
    assert add_working_hours(at("2026-09-24 17:00"), 1) == at("2026-09-28 09:00")


# --- years chinesecalendar does not know: 2027


def test_new_year_2027_without_data_falls_back_and_warns(seeded, caplog):
    caplog.set_level(logging.WARNING, logger="events.worktime")
    # Thu 2026-12-31 16:30: 1 h; Fri 2027-01-01 counts as a workday (no 2027 rows): 6.5 h, 0.5 h left;
    # Sat, Sun; Mon 01-04 08:30 + 0.5 h.
    assert add_working_hours(at("2026-12-31 16:30"), 8) == at("2027-01-04 09:00")
    # Once per year, not once per computation.
    add_working_hours(at("2026-12-31 16:30"), 8)
    warnings = [r for r in caplog.records if r.name == "events.worktime" and r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "2027" in warnings[0].getMessage()
    assert years_without_data([2027, 2026]) == [2027]


def test_2027_holiday_added_by_administrator_is_honoured(seeded, caplog):
    caplog.set_level(logging.WARNING, logger="events.worktime")
    Holiday.objects.create(date=date(2027, 1, 1), is_workday=False, name="元旦")
    # Thu 2026-12-31 16:30: 1 h; Fri 01-01 holiday; Mon 01-04 6.5 h, 0.5 h left; Tue 01-05 08:30 + 0.5 h.
    assert add_working_hours(at("2026-12-31 16:30"), 8) == at("2027-01-05 09:00")
    assert years_without_data([2026, 2027]) == []
    assert not [r for r in caplog.records if r.name == "events.worktime"]


def test_far_future_never_raises(db):
    # Mon 2031-03-10 09:00 + 2 h (nobody knows 2031's holidays yet).
    assert add_working_hours(at("2031-03-10 09:00"), 2) == at("2031-03-10 11:00")


# --- working days


@pytest.mark.django_db
@pytest.mark.parametrize(
    "start, days, due",
    [
        ("2026-03-09 10:00", 3, "2026-03-12 17:30"),  # Mon → Tue, Wed, Thu
        ("2026-03-09 07:00", 3, "2026-03-12 17:30"),  # the start day never counts, whatever the hour
        ("2026-03-09 18:00", 1, "2026-03-10 17:30"),
        ("2026-03-13 10:00", 1, "2026-03-16 17:30"),  # Fri → Mon
        ("2026-03-14 10:00", 1, "2026-03-16 17:30"),  # Sat → Mon
        ("2026-03-09 10:00", 0, "2026-03-09 10:00"),
    ],
)
def test_add_working_days(start, days, due):
    assert add_working_days(at(start), days) == at(due)


def test_working_days_across_national_day(seeded):
    # Wed 09-30 → Thu 10-08 (1), Fri 10-09 (2), Sat 10-10 调休 (3).
    assert add_working_days(at("2026-09-30 10:00"), 3) == at("2026-10-10 17:30")


# --- emergency hours and deadline()


def test_emergency_hours_are_wall_clock(seeded):
    assert add_emergency_hours(at("2026-10-01 10:00"), 24) == at("2026-10-02 10:00")  # through 国庆节
    assert add_emergency_hours(at("2026-03-13 23:00"), Decimal("2.5")) == at("2026-03-14 01:30")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "unit, hours, due",
    [
        ("work_hours", 2, "2026-03-13 15:30"),  # Fri 11:00: 1 h to 12:00, 1 h from 14:30
        ("emergency_hours", 2, "2026-03-13 13:00"),
        ("work_days_as_hours", 24, "2026-03-16 17:30"),  # 1 working day: Mon
        ("work_days_as_hours", 72, "2026-03-18 17:30"),  # 3: Mon, Tue, Wed
        ("work_days_as_hours", 30, "2026-03-17 17:30"),  # 1.25 → 2: Mon, Tue
    ],
)
def test_deadline(unit, hours, due):
    assert deadline(at("2026-03-13 11:00"), hours, unit) == at(due)


def test_deadline_unknown_unit():
    with pytest.raises(ValueError, match="unit"):
        deadline(at("2026-03-13 11:00"), 2, "fortnights")


# --- working hours elapsed


@pytest.mark.django_db
@pytest.mark.parametrize(
    "start, end, hours",
    [
        ("2026-03-09 11:00", "2026-03-09 15:30", 2.0),  # 1 h + 1 h around lunch
        ("2026-03-09 16:30", "2026-03-10 09:30", 2.0),  # overnight
        ("2026-03-13 17:00", "2026-03-16 09:00", 1.0),  # Fri 0.5 h + Mon 0.5 h
        ("2026-03-09 07:00", "2026-03-09 08:00", 0.0),  # before office
        ("2026-03-09 00:00", "2026-03-16 00:00", 32.5),  # a week: 5 × 6.5 h
        ("2026-03-09 15:00", "2026-03-09 10:00", 0.0),  # end before start
    ],
)
def test_working_hours_between(start, end, hours):
    assert working_hours_between(at(start), at(end)) == hours


def test_working_hours_between_skips_holidays(seeded):
    # Wed 09-30 16:30 → Fri 10-09 09:00: 1 h + Thu 10-08 6.5 h + 0.5 h = 8 h, the inverse of the deadline above.
    assert working_hours_between(at("2026-09-30 16:30"), at("2026-10-09 09:00")) == 8.0


# --- holiday_seed


def test_holiday_seed_names_and_idempotence(db):
    # 2026: 33 holiday days (元旦 3, 春节 9, 清明 3, 劳动 5, 端午 3, 中秋 3, 国庆 7) + 6 调休 workdays.
    assert holiday_seed(years=[2026]) == 39
    assert Holiday.objects.count() == 39
    assert holiday_seed(years=[2026]) == 0
    assert Holiday.objects.count() == 39
    rows = {h.date: (h.is_workday, h.name) for h in Holiday.objects.all()}
    assert rows[date(2026, 10, 1)] == (False, "国庆节")
    assert rows[date(2026, 2, 17)] == (False, "春节")
    assert rows[date(2026, 1, 1)] == (False, "元旦")
    assert rows[date(2026, 10, 10)] == (True, "调休上班")
    assert rows[date(2026, 9, 20)] == (True, "调休上班")


def test_holiday_seed_repairs_a_changed_row(seeded):
    Holiday.objects.filter(date=date(2026, 10, 1)).update(is_workday=True, name="x")
    assert holiday_seed(years=[2026]) == 1
    assert Holiday.objects.get(date=date(2026, 10, 1)).is_workday is False


def test_holiday_seed_defaults_to_every_known_year(db):
    # Every day chinesecalendar lists (2004-2026), one row each.
    assert holiday_seed() == len(chinese_calendar.holidays) + len(chinese_calendar.workdays) == 771
    assert Holiday.objects.count() == 771
    assert years_without_data(range(2004, 2028)) == [2027]


def test_holiday_seed_with_historical_model(db):
    """A data migration passes apps.get_model("events", "Holiday") from its migration state."""
    state = MigrationLoader(connection).project_state(("events", "0001_categories_holidays"))
    historical = state.apps.get_model("events", "Holiday")
    assert holiday_seed(years=[2026], holiday_model=historical) == 39
    assert Holiday.objects.filter(date=date(2026, 5, 1), name="劳动节").exists()
