"""The catalogues: zh-hans translates every message (none fuzzy), English lists the same messages
(its empty msgstr falls back to the English msgid), and one English word with two meanings gets
the Chinese word of each (message contexts)."""

import os
import re
import subprocess
from pathlib import Path

from django.utils import translation

LOCALE = Path(__file__).resolve().parents[2] / "locale"


def statistics(language: str) -> dict[str, int]:
    """msgfmt's counts of translated, fuzzy and untranslated messages."""
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", os.devnull, LOCALE / language / "LC_MESSAGES" / "django.po"],
        capture_output=True,
        text=True,
        check=True,
    )
    line = result.stderr.strip().splitlines()[-1]
    counts = {kind: 0 for kind in ("translated", "fuzzy", "untranslated")}
    for number, kind in re.findall(r"(\d+) (translated|fuzzy|untranslated)", line):
        counts[kind] = int(number)
    return counts


def test_zh_hans_is_complete_and_english_lists_the_same_messages():
    zh, en = statistics("zh_Hans"), statistics("en")
    assert zh["fuzzy"] == zh["untranslated"] == 0 and zh["translated"] > 1000
    assert en["fuzzy"] == 0 and en["translated"] + en["untranslated"] == zh["translated"]


def test_one_english_word_two_chinese_words():
    from dispatch.choices import SupervisionStatus
    from events.choices import Status
    from party.choices import ProjectStatus, WishStatus

    with translation.override("zh-hans"):
        assert str(Status.DISPATCHED.label) == "已派遣"  # a case sent to a department
        assert str(WishStatus.DISPATCHED.label) == "已派单"  # a wish sent to a party member
        assert str(Status.CLOSED.label) == "已结案"
        assert str(SupervisionStatus.CLOSED.label) == "已办结"
        assert str(ProjectStatus.DONE.label) == "已完成"
    with translation.override("en"):
        assert str(Status.DISPATCHED.label) == str(WishStatus.DISPATCHED.label) == "Dispatched"
