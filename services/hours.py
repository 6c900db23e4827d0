"""Opening hours in one short, validated text format, parsed to a JSON structure.

    "Mon-Fri 08:30-12:00,14:30-17:30; Sat 09:00-12:00"   weekdays and ranges, rules separated by ";"
    "Daily 06:30-20:00"                                   every day
    "24/7"                                                always open
    "Mon-Fri 08:30-17:30; Sun closed"                     a day with no hours

Days are Mon Tue Wed Thu Fri Sat Sun, as single days, ranges (Mon-Fri) or lists (Sat,Sun); a later
rule replaces an earlier one for the days it names. Times are HH:MM, 24:00 allowed as an end. The
parsed form is `{"mon": [["08:30", "12:00"], ["14:30", "17:30"]], …, "sun": []}`, seven keys always.
Anything else raises HoursError with a message that names the part at fault.
"""

import re
from datetime import datetime

from django.utils.translation import gettext as _

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


class HoursError(ValueError):
    """Malformed opening hours; the message is for the person who typed them."""


def _minutes(text: str, *, end: bool) -> int:
    match = _TIME.match(text.strip())
    if not match:
        raise HoursError(_("%(time)r is not a time like 08:30.") % {"time": text.strip()[:20]})
    hours, minutes = int(match[1]), int(match[2])
    if minutes > 59 or hours > 24 or (hours == 24 and (minutes or not end)):
        raise HoursError(_("%(time)r is not a time of day.") % {"time": text.strip()[:20]})
    return hours * 60 + minutes


def _days(text: str) -> list[str]:
    text = text.strip().lower()
    if text in ("daily", "everyday"):
        return list(DAYS)
    days: list[str] = []
    for part in text.split(","):
        part = part.strip()[:3] if "-" not in part else part.strip()
        if "-" in part:
            first, last = (p.strip()[:3] for p in part.split("-", 1))
            if first not in DAYS or last not in DAYS:
                raise HoursError(_("%(days)r is not a range of days like Mon-Fri.") % {"days": part[:20]})
            i, j = DAYS.index(first), DAYS.index(last)
            if j < i:
                raise HoursError(_("%(days)r runs backwards.") % {"days": part[:20]})
            days += DAYS[i : j + 1]
        elif part in DAYS:
            days.append(part)
        else:
            raise HoursError(_("%(day)r is not a day (Mon, Tue, Wed, Thu, Fri, Sat, Sun).") % {"day": part[:20]})
    return days


def parse_hours(text: str) -> dict[str, list[list[str]]]:
    """Parse the text format into the JSON structure (see the module docstring)."""
    text = (text or "").strip()
    if not text:
        raise HoursError(_("Opening hours are required, for example “Mon-Fri 08:30-12:00,14:30-17:30”."))
    if len(text) > 200:
        raise HoursError(_("Opening hours are longer than 200 characters."))
    if text.lower() in ("24/7", "24h", "00:00-24:00"):
        return {day: [["00:00", "24:00"]] for day in DAYS}
    result: dict[str, list[list[str]]] = {day: [] for day in DAYS}
    for rule in filter(None, (r.strip() for r in text.split(";"))):
        match = re.match(r"^([A-Za-z,\-\s]+?)\s+(\S.*)$", rule)
        if not match:
            raise HoursError(_("%(rule)r needs days and hours, like “Sat 09:00-12:00”.") % {"rule": rule[:40]})
        days, ranges_text = _days(match[1]), match[2].strip()
        ranges: list[tuple[int, int]] = []
        if ranges_text.lower() != "closed":
            for part in ranges_text.split(","):
                if part.count("-") != 1:
                    raise HoursError(_("%(part)r is not a range like 08:30-12:00.") % {"part": part.strip()[:20]})
                start, end = part.split("-")
                start_m, end_m = _minutes(start, end=False), _minutes(end, end=True)
                if end_m <= start_m:
                    raise HoursError(_("%(part)r ends before it starts.") % {"part": part.strip()[:20]})
                ranges.append((start_m, end_m))
            ranges.sort()
            for (_s, e), (s2, _e) in zip(ranges, ranges[1:], strict=False):
                if s2 < e:
                    raise HoursError(_("The ranges of %(rule)r overlap.") % {"rule": rule[:40]})
        for day in days:
            result[day] = [[f"{s // 60:02d}:{s % 60:02d}", f"{e // 60:02d}:{e % 60:02d}"] for s, e in ranges]
    return result


def is_open(hours: dict, moment: datetime) -> bool:
    """Whether the parsed `hours` are open at the local `moment`."""
    now = f"{moment.hour:02d}:{moment.minute:02d}"
    return any(start <= now < end for start, end in (hours or {}).get(DAYS[moment.weekday()], []))
