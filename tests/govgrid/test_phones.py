"""One phone check for every form residents type a number into (case report, wish, proxy)."""

import pytest
from django.utils import translation

from govgrid.phones import InvalidPhone, clean_phone


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("13912345678", "13912345678"),
        ("139 1234 5678", "13912345678"),
        ("+86 139-1234-5678", "13912345678"),
        ("008613912345678", "13912345678"),
        ("0888-5123456", "08885123456"),
        ("(0888) 512 3456", "08885123456"),
        ("5123456", "5123456"),
        ("+44 20 7946 0958", "+442079460958"),
        ("", ""),
        (None, ""),
    ],
)
def test_callable_numbers_are_kept_without_separators(raw, clean):
    assert clean_phone(raw) == clean


@pytest.mark.parametrize(
    "raw", ["123", "12345", "110", "1234567", "12912345678", "1391234567", "139123456789", "call me", "+86-139-abcd"]
)
def test_numbers_no_one_can_call_back_are_refused_in_the_users_language(raw):
    with translation.override("zh-hans"), pytest.raises(InvalidPhone) as excinfo:
        clean_phone(raw)
    assert str(excinfo.value).endswith("不是电话号码。")
