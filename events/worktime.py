"""Deadline arithmetic for case time limits, on the Chinese working calendar.

Which days are workdays comes from the `Holiday` table only: statutory holidays and 调休 weekend
workdays, seeded from chinesecalendar by `holiday_seed` and extended by administrators each year once
the State Council publishes the next year's arrangement. chinesecalendar itself is never asked at run
time: it raises for years it does not know yet (2027+), and a deadline must always be computable. A
year without any rows falls back to Monday–Friday, with a warning in the log and on the dashboard
(`years_without_data`).

All clock times are local (settings.TIME_ZONE); office hours come from settings.OFFICE_HOURS.
"""

import logging
import math
import re
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import chinese_calendar
from chinese_calendar.constants import Holiday as CalendarHoliday
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from .choices import LimitUnit

logger = logging.getLogger(__name__)

# chinesecalendar names holidays in English; the table and the dashboard show the Chinese name.
HOLIDAY_NAMES = {
    CalendarHoliday.new_years_day.value: "元旦",
    CalendarHoliday.spring_festival.value: "春节",
    CalendarHoliday.tomb_sweeping_day.value: "清明节",
    CalendarHoliday.labour_day.value: "劳动节",
    CalendarHoliday.dragon_boat_festival.value: "端午节",
    CalendarHoliday.mid_autumn_festival.value: "中秋节",
    CalendarHoliday.national_day.value: "国庆节",
    CalendarHoliday.anti_fascist_70th_day.value: "抗战胜利70周年纪念日",
}
WORKING_WEEKEND_NAME = "调休上班"

_RANGE = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
# Years already warned about in this process, so that a missing year is logged once, not per deadline.
_warned_years: set[int] = set()

Hours = float | int | Decimal


def parse_office_hours(text: str) -> list[tuple[time, time]]:
    """Parse "08:30-12:00,14:30-17:30" into sorted (start, end) pairs.

    Raises ImproperlyConfigured for anything else, so that a typo in OFFICE_HOURS stops deadlines
    from being computed instead of silently computing them wrong."""
    periods = []
    for part in (text or "").split(","):
        match = _RANGE.match(part.strip())
        if not match:
            raise ImproperlyConfigured(f'OFFICE_HOURS: "{part.strip()}" in "{text}" is not a range like "08:30-12:00".')
        h1, m1, h2, m2 = map(int, match.groups())
        try:
            start, end = time(h1, m1), time(h2, m2)
        except ValueError as e:
            raise ImproperlyConfigured(f'OFFICE_HOURS: "{part.strip()}" is not a valid time range ({e}).') from e
        if start >= end:
            raise ImproperlyConfigured(f'OFFICE_HOURS: "{part.strip()}" ends before it starts.')
        periods.append((start, end))
    periods.sort()
    for (_, end), (start, _) in zip(periods, periods[1:], strict=False):
        if start < end:
            raise ImproperlyConfigured(f'OFFICE_HOURS: the ranges of "{text}" overlap.')
    return periods


def _holiday_model(holiday_model):
    if holiday_model is not None:
        return holiday_model
    from .models import Holiday

    return Holiday


def holiday_seed(*, years: Iterable[int] | None = None, holiday_model=None) -> int:
    """Write chinesecalendar's holidays and 调休 workdays for `years` (default: every year it knows)
    into the Holiday table; return how many rows were created or changed (0 when already up to date).

    A data migration passes `holiday_model=apps.get_model("events", "Holiday")`."""
    model = _holiday_model(holiday_model)
    wanted = None if years is None else set(years)
    days: dict[date, tuple[bool, str]] = {}
    for day, name in chinese_calendar.holidays.items():
        days[day] = (False, HOLIDAY_NAMES.get(name, name)[:40])
    for day in chinese_calendar.workdays:
        days[day] = (True, WORKING_WEEKEND_NAME)
    if wanted is not None:
        days = {day: value for day, value in days.items() if day.year in wanted}

    if not days:
        return 0
    existing = {row.date: row for row in model.objects.filter(date__range=(min(days), max(days)))}
    created, changed = [], []
    for day, (is_workday, name) in sorted(days.items()):
        row = existing.get(day)
        if row is None:
            created.append(model(date=day, is_workday=is_workday, name=name))
        elif (row.is_workday, row.name) != (is_workday, name):
            row.is_workday, row.name = is_workday, name
            changed.append(row)
    model.objects.bulk_create(created)
    model.objects.bulk_update(changed, ["is_workday", "name"])
    return len(created) + len(changed)


def years_without_data(years: Iterable[int], *, holiday_model=None) -> list[int]:
    """Those of `years` with no Holiday row at all: deadlines in them count plain Monday–Friday."""
    years = sorted(set(years))
    model = _holiday_model(holiday_model)
    known = {d.year for d in model.objects.filter(date__year__in=years).dates("date", "year")}
    return [year for year in years if year not in known]


class WorkCalendar:
    """Which days are workdays, from the Holiday table, read once per year per calendar.

    Create one per computation (or per batch of them): an administrator's new rows are seen by the
    next calendar created."""

    def __init__(self, *, holiday_model=None):
        self._model = _holiday_model(holiday_model)
        self._years: dict[int, dict[date, bool]] = {}

    def is_workday(self, day: date) -> bool:
        """A date in the table → its is_workday; any other date → Monday–Friday."""
        table = self._year(day.year)
        return table[day] if day in table else day.weekday() < 5

    def _year(self, year: int) -> dict[date, bool]:
        if year not in self._years:
            rows = dict(self._model.objects.filter(date__year=year).values_list("date", "is_workday"))
            if not rows and year not in _warned_years:
                _warned_years.add(year)
                logger.warning(
                    "No holidays or working weekends recorded for %s: deadlines count Monday–Friday. "
                    "Add the State Council's holiday arrangement for %s in admin.",
                    year,
                    year,
                )
            self._years[year] = rows
        return self._years[year]


def _local(moment: datetime) -> datetime:
    """`moment` on the county's clock (settings.TIME_ZONE, not a user's activated time zone)."""
    if timezone.is_naive(moment):
        raise ValueError("Deadlines need an aware datetime.")
    return timezone.localtime(moment, timezone.get_default_timezone())


def _office_periods(day: date, hours: list[tuple[time, time]], tz) -> list[tuple[datetime, datetime]]:
    """The office periods of `day` as aware datetimes (whether or not it is a workday)."""
    return [(datetime.combine(day, start, tzinfo=tz), datetime.combine(day, end, tzinfo=tz)) for start, end in hours]


def _as_timedelta(hours: Hours) -> timedelta:
    if hours < 0:
        raise ValueError(f"A time limit cannot be negative: {hours}.")
    return timedelta(hours=float(hours))


def add_working_hours(start: datetime, hours: Hours, *, calendar: WorkCalendar | None = None) -> datetime:
    """The moment when `hours` of office time on workdays have passed after `start` (local time).

    A start outside office hours begins counting at the next office period; a limit that runs out
    exactly at the close of a period is due at that close, not at the next opening. 0 hours → `start`."""
    calendar = calendar or WorkCalendar()
    moment = _local(start)
    remaining = _as_timedelta(hours)
    if not remaining:
        return moment
    office_hours = parse_office_hours(settings.OFFICE_HOURS)
    day = moment.date()
    while True:
        if calendar.is_workday(day):
            for opens, closes in _office_periods(day, office_hours, moment.tzinfo):
                begin = max(opens, moment)
                if begin >= closes:
                    continue
                if remaining <= closes - begin:
                    return begin + remaining
                remaining -= closes - begin
        day += timedelta(days=1)


def add_working_days(start: datetime, days: int, *, calendar: WorkCalendar | None = None) -> datetime:
    """The close of office on the `days`-th working day after the day of `start`.

    The rule of Chinese administrative time limits (期间开始之日不计算在内): the day the case starts
    never counts, whatever the hour; counting begins with the next working day, and the limit is due
    at the close of the last office period of the Nth working day. "3 working days" from Monday 10:00
    (or Monday 07:00, or the Saturday before) is due at Thursday's close of office. 0 days → `start`."""
    if days < 0:
        raise ValueError(f"A time limit cannot be negative: {days}.")
    calendar = calendar or WorkCalendar()
    moment = _local(start)
    office_hours = parse_office_hours(settings.OFFICE_HOURS)
    if not days:
        return moment
    day = moment.date()
    while days:
        day += timedelta(days=1)
        if calendar.is_workday(day):
            days -= 1
    return datetime.combine(day, office_hours[-1][1], tzinfo=moment.tzinfo)


def add_emergency_hours(start: datetime, hours: Hours) -> datetime:
    """Wall-clock time: emergencies run through nights, weekends and holidays."""
    return _local(start) + _as_timedelta(hours)


def deadline(start: datetime, limit_hours: Hours, unit: str, *, calendar: WorkCalendar | None = None) -> datetime:
    """The due moment of a category's time limit (`Category.limit_hours` in `Category.limit_unit`).

    The catalogue gives working days as hours, 24 per working day; a part day counts as a whole
    one (30 h → 2 working days), so that a limit is never shortened."""
    if unit == LimitUnit.WORK_HOURS:
        return add_working_hours(start, limit_hours, calendar=calendar)
    if unit == LimitUnit.EMERGENCY_HOURS:
        return add_emergency_hours(start, limit_hours)
    if unit == LimitUnit.WORK_DAYS:
        return add_working_days(start, math.ceil(Decimal(str(limit_hours)) / 24), calendar=calendar)
    raise ValueError(f"Unknown time limit unit: {unit!r}.")


def working_hours_between(start: datetime, end: datetime, *, calendar: WorkCalendar | None = None) -> float:
    """Office hours on workdays between two instants (0 when `end` is not after `start`): the time a
    case has used of a limit in working hours, for half-limit reminders and statistics."""
    calendar = calendar or WorkCalendar()
    start, end = _local(start), _local(end)
    office_hours = parse_office_hours(settings.OFFICE_HOURS)
    total = timedelta()
    day = start.date()
    while day <= end.date():
        if calendar.is_workday(day):
            for opens, closes in _office_periods(day, office_hours, start.tzinfo):
                overlap = min(closes, end) - max(opens, start)
                if overlap > timedelta():
                    total += overlap
        day += timedelta(days=1)
    return total / timedelta(hours=1)
