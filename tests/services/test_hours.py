"""Opening hours: one text format, in English or Chinese, parsed to a structure; anything malformed
is refused with a message that names the part at fault; shown in the page's language."""

from datetime import datetime

import pytest
from django.utils import translation

from services.hours import DAYS, HoursError, format_hours, hours_display, is_open, parse_hours

WEEKDAYS = [["08:30", "12:00"], ["14:30", "17:30"]]


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


def week(**days) -> dict:
    return {day: days.get(day, []) for day in DAYS}


@pytest.mark.parametrize(
    "text",
    [
        "周一至周五 08:30-12:00,14:30-17:30",
        "周一至周五 8:30-12:00，14:30-17:30",  # one-digit hour, full-width comma
        "星期一到星期五 08:30-12:00、14:30-17:30",
        "星期一至五 08:30～12:00 14:30～17:30",  # 至五: the second day without 星期
        "周一-周五：8：30—12：00；14:30到17:30",  # full-width colons, em dash, 到
        "工作日 08:30~12:00;14:30~17:30",
        "Mon-Fri 08:30-12:00，14:30-17:30",  # English days, Chinese punctuation
        "Monday–Friday 08:30 - 12:00, 14:30 - 17:30",  # en dash, spaces around the dashes
        "礼拜一到礼拜五 ０８:３０-12:00，14:30-17:30。",  # full-width digits, a closing 。
    ],
)
def test_chinese_weekdays_ranges_and_separators(text):
    assert parse_hours(text) == week(mon=WEEKDAYS, tue=WEEKDAYS, wed=WEEKDAYS, thu=WEEKDAYS, fri=WEEKDAYS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("每天 6:30-20:00", week(**dict.fromkeys(DAYS, [["06:30", "20:00"]]))),
        ("每日 06:30-20:00", week(**dict.fromkeys(DAYS, [["06:30", "20:00"]]))),
        ("全天", week(**dict.fromkeys(DAYS, [["00:00", "24:00"]]))),
        ("24小时", week(**dict.fromkeys(DAYS, [["00:00", "24:00"]]))),
        ("周六、周日 全天", week(sat=[["00:00", "24:00"]], sun=[["00:00", "24:00"]])),
        ("星期天 9:00-12:00", week(sun=[["09:00", "12:00"]])),
        ("周日 9:00-12:00", week(sun=[["09:00", "12:00"]])),
        ("周天 9:00-12:00", week(sun=[["09:00", "12:00"]])),
        ("周末 10:00-16:00", week(sat=[["10:00", "16:00"]], sun=[["10:00", "16:00"]])),
        ("周一、三、五 9:00-11:00", week(mon=[["09:00", "11:00"]], wed=[["09:00", "11:00"]], fri=[["09:00", "11:00"]])),
        (
            "周一至周五 9:00-17:00，周六 9:00-12:00；周日休息",  # days after hours start the next rule
            week(**dict.fromkeys(DAYS[:5], [["09:00", "17:00"]]), sat=[["09:00", "12:00"]]),
        ),
        ("每天 8:00-20:00；周三 闭馆", week(**{d: [["08:00", "20:00"]] for d in DAYS if d != "wed"})),
        ("周一至周五 20:00-24:00", week(**dict.fromkeys(DAYS[:5], [["20:00", "24:00"]]))),
    ],
)
def test_chinese_day_groups_single_days_and_closed(text, expected):
    assert parse_hours(text) == expected


def test_holidays_add_a_key_only_when_named():
    """节假日 follows the Holiday table of events (statutory holidays); texts that do not name them keep
    the seven keys of before, so stored hours do not change."""
    hours = parse_hours("工作日 09:00-17:00；节假日休息")
    assert hours["holiday"] == [] and hours["mon"] == [["09:00", "17:00"]] and list(hours)[:7] == list(DAYS)
    assert parse_hours("每天 8:00-20:00；法定节假日 9:00-12:00")["holiday"] == [["09:00", "12:00"]]
    assert "holiday" not in parse_hours("Mon-Fri 09:00-17:00")
    national_day = datetime(2026, 10, 1, 10, 0)  # a Thursday
    assert is_open(hours, national_day) and not is_open(hours, national_day, holiday=True)
    weekdays_only = parse_hours("Mon-Fri 09:00-17:00")  # no holiday hours given: the weekday's apply
    assert is_open(weekdays_only, national_day, holiday=True)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("周八 9:00-17:00", "周八"),  # no such day
        ("周一至周五 上午9点", "上午9点"),  # not a time like 08:30
        ("周一至周五 8.30-17.30", "8.30"),
        ("周一至周五 9:00-25:00", "25:00"),
        ("周一至周五 17:30-8:30", "17:30-8:30"),  # ends before it starts
        ("周五至周一 9:00-12:00", "周五至周一"),  # backwards
        ("周一至周五 9:00-12:00，11:00-14:00", "周一至周五 9:00-12:00,11:00-14:00"),  # overlaps (shown normalised)
        ("周一至周五", "周一至周五"),  # no hours
        ("9:00-17:00", "9:00-17:00"),  # no days
        ("周一至周五 9:00", "9:00"),  # not a range
        ("周日 休息 9:00-12:00", "周日 休息 9:00-12:00"),  # closed and open
        ("周一至周五 9:00-17:00（节假日除外）", "(节假日除外)"),
        ("Mon-周八 9:00-17:00", "Mon-周八"),
    ],
)
def test_bad_chinese_hours_say_what_was_not_understood_in_chinese(text, named):
    with translation.override("zh-hans"), pytest.raises(HoursError) as exc:
        parse_hours(text)
    message = str(exc.value)
    assert named in message
    assert any("\u4e00" <= c <= "\u9fff" for c in message.replace(named, ""))  # the message itself is Chinese


@pytest.mark.parametrize(
    "text",
    [
        "Mon-Fri 08:30-12:00,14:30-17:30; Sat 09:00-12:00",
        "Daily 07:00-09:00,11:00-13:00",
        "24/7",
        "Daily 08:00-20:00; Sat,Sun closed",
        "周一、三、五 9:00-11:00；周六、周日 全天",
        "工作日 09:00-17:00；节假日 10:00-12:00",
        "Sun closed",
    ],
)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_formatted_hours_read_back_the_same(text, language):
    hours = parse_hours(text)
    with translation.override(language):
        assert parse_hours(format_hours(hours)) == hours


def test_formatted_hours_use_the_words_of_the_page():
    hours = parse_hours("Mon-Fri 08:30-12:00,14:30-17:30; Sat,Sun 09:00-12:00; Holidays closed")
    with translation.override("zh-hans"):
        assert format_hours(hours) == "周一至周五 08:30-12:00，14:30-17:30；周六、周日 09:00-12:00；节假日休息"
        assert format_hours(parse_hours("24/7")) == "全天24小时"
        assert format_hours(parse_hours("Daily 06:30-20:00")) == "每天 06:30-20:00"
    with translation.override("en"):
        assert format_hours(hours) == "Mon-Fri 08:30-12:00,14:30-17:30; Sat,Sun 09:00-12:00; Holidays closed"
        assert format_hours(parse_hours("周一、三、五 9:00-11:00")) == "Mon,Wed,Fri 09:00-11:00"


def test_display_keeps_what_was_typed_in_the_page_language():
    english, chinese = "Mon-Fri 09:00-18:00; Sun closed", "周一至周五 9:00-18:00"
    with translation.override("en"):
        assert hours_display(english, parse_hours(english)) == english  # as before this change
        assert hours_display(chinese, parse_hours(chinese)) == "Mon-Fri 09:00-18:00"
    with translation.override("zh-hans"):
        assert hours_display(english, parse_hours(english)) == "周一至周五 09:00-18:00"
        assert hours_display(chinese, parse_hours(chinese)) == chinese
