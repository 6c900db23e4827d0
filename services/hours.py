"""Opening hours in one short, validated text format, parsed to a JSON structure.

    "Mon-Fri 08:30-12:00,14:30-17:30; Sat 09:00-12:00"   weekdays and ranges, rules separated by ";"
    "Daily 06:30-20:00"                                   every day
    "24/7"                                                always open
    "Mon-Fri 08:30-17:30; Sun closed"                     a day with no hours

Administrators in China type the same in Chinese, and may mix both:

    "周一至周五 8:30-12:00，14:30-17:30；周六、周日 9:00-12:00"
    "工作日 09:00～17:00；节假日休息"      "每天 6:30-20:00"      "星期一到五 08:30—17:30、星期天休息"

Days: Mon…Sun (any word starting so: Monday, Thurs), 周一…周日 / 星期一…星期日 / 星期天 / 礼拜一…礼拜天,
as single days, ranges (Mon-Fri, 周一至周五, 周一到五) or lists (Sat,Sun / 周六、周日); Daily, 每天, 每日
(all days), 工作日 (Mon–Fri), 周末 (Sat, Sun); Holidays / 节假日 / 法定节假日 (statutory holidays, see
below). Ranges take - ~ ～ — – 至 到. Times are H:MM or HH:MM (full-width ：and digits too), 24:00
allowed as an end; 全天 or 24小时 is 00:00-24:00; closed / 休息 / 闭馆 / 不开放 / 关闭 is no hours. Rules
and ranges are separated by ; ； , ， 、 or spaces: days that follow hours start a new rule. A later rule
replaces an earlier one for the days it names.

The parsed form is `{"mon": [["08:30", "12:00"], ["14:30", "17:30"]], …, "sun": []}`, seven keys always;
a text that names holidays adds a "holiday" key with their hours (no key: holidays keep the hours of
their weekday). Anything else raises HoursError with a message that names the part at fault.

`format_hours` writes a parsed structure back as text in the active language ("周一至周五 …" on a
Chinese page); `hours_display` shows what the administrator typed when it is already in the page's
language, so English pages show existing English hours exactly as typed.
"""

import re
import unicodedata
from datetime import datetime

from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HOLIDAY = "holiday"
ALL_DAY = (0, 24 * 60)
_ALWAYS = {"24/7", "24h", "00:00-24:00", "全天", "24小时", "全天24小时"}

_CN_DAY = {"一": "mon", "二": "tue", "三": "wed", "四": "thu", "五": "fri", "六": "sat", "日": "sun", "天": "sun"}
_GROUPS = {
    "daily": DAYS,
    "everyday": DAYS,
    "每天": DAYS,
    "每日": DAYS,
    "工作日": DAYS[:5],
    "周末": DAYS[5:],
    "holiday": (HOLIDAY,),
    "holidays": (HOLIDAY,),
    "节假日": (HOLIDAY,),
    "法定节假日": (HOLIDAY,),
}
_CLOSED = {"closed", "休息", "闭馆", "不开放", "关闭"}

# One token of the normalised text. Group names say what it is; `other` is anything not understood.
# A colon is a separator only where it is not inside a time ("周一至周五：8:30-17:30").
_SEP = r"\s,;、。:"
_DASHES = r"\-~〜—–"
_TOKEN = re.compile(
    rf"""(?P<sep>[{_SEP}]+)
      | (?P<time>\d{{1,2}}:\d{{2}}(?!\d))
      | (?P<always>24h\b|24小时|全天)
      | (?P<range>[{_DASHES}]|至|到)
      | (?P<cnday>(?:周|星期|礼拜)[一二三四五六日天])
      | (?P<word>法定节假日|节假日|每天|每日|工作日|周末|休息|闭馆|不开放|关闭|[a-z]+)
      | (?P<numeral>[一二三四五六日天])
      | (?P<other>[^{_SEP}{_DASHES}]+?(?=[{_SEP}{_DASHES}]|\d{{1,2}}:|$)|.)""",
    re.VERBOSE | re.IGNORECASE,
)


class HoursError(ValueError):
    """Malformed opening hours; the message is for the person who typed them."""


def _normalise(text: str) -> str:
    # NFKC turns full-width forms into ASCII: ：→: ，→, ；→; ～→~ －→- ０→0, the ideographic space → " ".
    return unicodedata.normalize("NFKC", text).strip()


def _tokens(text: str) -> list[tuple[str, str, int]]:
    """(kind, text, offset) of every token but separators."""
    found = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind != "sep":
            found.append((kind, match.group(), match.start()))
    return found


def _minutes(text: str, *, end: bool) -> int:
    hours, minutes = (int(n) for n in text.split(":"))
    if minutes > 59 or hours > 24 or (hours == 24 and (minutes or not end)):
        raise HoursError(_("%(time)r is not a time of day.") % {"time": text[:20]})
    return hours * 60 + minutes


def _day(kind: str, value: str) -> str | None:
    """The day key of a single-day token, or None when the token is not one."""
    if kind == "cnday":
        return _CN_DAY[value[-1]]
    if kind == "word" and value.isascii() and value.lower()[:3] in DAYS:
        return value.lower()[:3]
    return None


class _Parser:
    """Reads tokens left to right: a rule is day specs followed by hours (ranges, all day or closed)."""

    def __init__(self, text: str):
        self.text = text
        self.tokens = _tokens(text)
        self.i = 0

    def peek(self, ahead: int = 0) -> tuple[str, str, int] | None:
        j = self.i + ahead
        return self.tokens[j] if j < len(self.tokens) else None

    def take(self) -> tuple[str, str, int]:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def next_is(self, *kinds: str) -> bool:
        """Whether the next tokens are of `kinds`, in order."""
        return all((token := self.peek(n)) and token[0] == kind for n, kind in enumerate(kinds))

    def span(self, start: int) -> str:
        """The text from offset `start` to the end of the last token taken, for messages."""
        kind, value, offset = self.tokens[self.i - 1]
        return self.text[start : offset + len(value)].strip()

    def rest(self, start: int) -> str:
        return self.text[start:].strip()[:40]

    def rules(self) -> list[tuple[list[str], list[tuple[int, int]]]]:
        rules = []
        while self.peek():
            start = self.peek()[2]
            days = self.days()
            if not days:
                raise self.not_understood()
            rules.append((days, self.hours(start)))
        return rules

    def days(self) -> list[str]:
        """Day specs up to the first hours: single days, ranges, lists, groups."""
        days: list[str] = []
        while token := self.peek():
            kind, value, offset = token
            if kind == "word" and value.lower() in _GROUPS:
                self.take()
                days += _GROUPS[value.lower()]
            elif (first := _day(kind, value)) or (kind == "numeral" and days and days[-1] in DAYS):
                self.take()
                first = first or _CN_DAY[value]
                if self.next_is("range") and self.peek(1) and self.peek(1)[0] != "time":
                    self.take()
                    last_kind, last_value, _offset = self.take()
                    last = _CN_DAY.get(last_value) if last_kind == "numeral" else _day(last_kind, last_value)
                    if last is None:
                        raise HoursError(
                            _("%(days)r is not a range of days like Mon-Fri.") % {"days": self.span(offset)[:20]}
                        )
                    i, j = DAYS.index(first), DAYS.index(last)
                    if j < i:
                        raise HoursError(_("%(days)r runs backwards.") % {"days": self.span(offset)[:20]})
                    days += DAYS[i : j + 1]
                else:
                    days.append(first)
            elif kind == "word" and value.isascii() and value.lower() not in _CLOSED:
                raise HoursError(_("%(day)r is not a day (Mon, Tue, Wed, Thu, Fri, Sat, Sun).") % {"day": value[:20]})
            else:
                break
        return days

    def hours(self, start: int) -> list[tuple[int, int]]:
        """The hours of a rule from offset `start`: ranges and 全天, or closed (no ranges); sorted,
        refused when they overlap. Stops before the next rule's days."""
        needs_hours = _("%(rule)r needs days and hours, like “Sat 09:00-12:00”.")
        ranges: list[tuple[int, int]] = []
        closed = False
        while token := self.peek():
            kind, value, offset = token
            if kind in ("time", "always") and closed:
                raise HoursError(_("%(rule)r gives hours for days it calls closed.") % {"rule": self.rest(start)})
            if kind == "word" and value.lower() in _CLOSED and not ranges:
                self.take()
                closed = True
            elif kind == "always":
                self.take()
                ranges.append(ALL_DAY)
            elif kind == "time":
                self.take()
                if not self.next_is("range", "time"):
                    following = self.peek()
                    part = self.text[offset : following[2] + len(following[1])] if following else value
                    raise HoursError(_("%(part)r is not a range like 08:30-12:00.") % {"part": part.strip()[:20]})
                self.take()
                end = self.take()[1]
                start_m, end_m = _minutes(value, end=False), _minutes(end, end=True)
                if end_m <= start_m:
                    raise HoursError(_("%(part)r ends before it starts.") % {"part": self.span(offset)[:20]})
                ranges.append((start_m, end_m))
            elif kind in ("cnday", "word", "numeral") and (ranges or closed):
                break  # the next rule's days
            elif kind == "other" and any(c.isdigit() for c in value):
                raise HoursError(_("%(time)r is not a time like 08:30.") % {"time": value[:20]})
            elif ranges or closed:
                raise self.not_understood()
            else:
                raise HoursError(needs_hours % {"rule": self.rest(start)})
        if not (ranges or closed):
            raise HoursError(needs_hours % {"rule": self.rest(start)})
        ranges.sort()
        for (_s, e), (s2, _e) in zip(ranges, ranges[1:], strict=False):
            if s2 < e:
                raise HoursError(_("The ranges of %(rule)r overlap.") % {"rule": self.span(start)[:40]})
        return ranges

    def not_understood(self) -> HoursError:
        kind, value, offset = self.peek()
        if kind == "time":  # hours where days were expected
            return HoursError(_("%(rule)r needs days and hours, like “Sat 09:00-12:00”.") % {"rule": self.rest(offset)})
        return HoursError(
            _("%(part)r is not understood: give days (Mon-Fri, 周一至周五) and times (08:30-12:00).")
            % {"part": value[:20]}
        )


def parse_hours(text: str) -> dict[str, list[list[str]]]:
    """Parse the text format into the JSON structure (see the module docstring)."""
    text = _normalise(text or "")
    if not text:
        raise HoursError(_("Opening hours are required, for example “Mon-Fri 08:30-12:00,14:30-17:30”."))
    if len(text) > 200:
        raise HoursError(_("Opening hours are longer than 200 characters."))
    if text.lower() in _ALWAYS:
        return {day: [["00:00", "24:00"]] for day in DAYS}
    result: dict[str, list[list[str]]] = {day: [] for day in DAYS}
    for days, ranges in _Parser(text).rules():
        for day in days:
            result[day] = [[f"{s // 60:02d}:{s % 60:02d}", f"{e // 60:02d}:{e % 60:02d}"] for s, e in ranges]
    return result


def is_open(hours: dict, moment: datetime, *, holiday: bool = False) -> bool:
    """Whether the parsed `hours` are open at the local `moment`. On a statutory holiday (`holiday`,
    e.g. from the events Holiday table) the holiday hours apply when the text named any."""
    now = f"{moment.hour:02d}:{moment.minute:02d}"
    key = HOLIDAY if holiday and HOLIDAY in (hours or {}) else DAYS[moment.weekday()]
    return any(start <= now < end for start, end in (hours or {}).get(key, []))


# --- display ---------------------------------------------------------------------------------------


def _day_names() -> dict[str, str]:
    return {
        "mon": _("Mon"),
        "tue": _("Tue"),
        "wed": _("Wed"),
        "thu": _("Thu"),
        "fri": _("Fri"),
        "sat": _("Sat"),
        "sun": _("Sun"),
        HOLIDAY: pgettext("opening hours", "Holidays"),
    }


def format_hours(hours: dict) -> str:
    """The parsed hours as text in the active language, itself valid input for parse_hours:
    "Mon-Fri 08:30-12:00,14:30-17:30; Sat 09:00-12:00" or "周一至周五 08:30-12:00，14:30-17:30；周六 09:00-12:00"."""
    hours = hours or {}
    week = [tuple(map(tuple, hours.get(day, []))) for day in DAYS]
    names = _day_names()
    day_sep = pgettext("opening hours: between days in a list", ",")
    if HOLIDAY not in hours and len(set(week)) == 1 and week[0] == (("00:00", "24:00"),):
        return pgettext("opening hours", "24/7")

    def rule(days: str, ranges: tuple) -> str:
        if not ranges:
            return pgettext("opening hours", "%(days)s closed") % {"days": days}
        between = pgettext("opening hours: between times", ",")
        return f"{days} " + between.join(f"{start}-{end}" for start, end in ranges)

    rules = []
    if len(set(week)) == 1:
        rules.append(rule(pgettext("opening hours", "Daily"), week[0]))
    else:
        # Days with the same hours form one rule; consecutive days of three or more read as a range.
        for ranges in dict.fromkeys(r for r in week if r):
            indexes = [i for i, r in enumerate(week) if r == ranges]
            runs: list[list[int]] = []
            for i in indexes:
                if runs and runs[-1][-1] == i - 1:
                    runs[-1].append(i)
                else:
                    runs.append([i])
            parts = []
            for run in runs:
                if len(run) >= 3:
                    first, last = names[DAYS[run[0]]], names[DAYS[run[-1]]]
                    parts.append(pgettext("opening hours", "%(first)s-%(last)s") % {"first": first, "last": last})
                else:
                    parts += [names[DAYS[i]] for i in run]
            rules.append(rule(day_sep.join(parts), ranges))
        if not rules:
            rules.append(rule(pgettext("opening hours", "Daily"), ()))
    if HOLIDAY in hours:
        rules.append(rule(names[HOLIDAY], tuple(map(tuple, hours[HOLIDAY]))))
    return pgettext("opening hours: between rules", "; ").join(rules)


_CJK = re.compile(r"[\u3400-\u9fff]")


def hours_display(text: str, hours: dict) -> str:
    """What a page shows: the typed text when it is in the page's language (Chinese characters on a
    Chinese page, none on another), else the parsed hours written in the page's language."""
    chinese_page = (get_language() or "").lower().startswith("zh")
    if bool(_CJK.search(text or "")) == chinese_page or not hours:
        return text
    return format_hours(hours)
