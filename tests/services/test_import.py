"""xlsx import of catalogue items: row-level errors, all or nothing, size limit, admins only."""

import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from services.catalogue import CatalogueError, catalogue_import
from services.models import ServiceItem

pytestmark = pytest.mark.django_db
HEADER = [
    "code",
    "name",
    "category",
    "department",
    "aliases",
    "keywords",
    "materials",
    "limit_days",
    "limit_unit",
    "where",
    "proxy_allowed",
    "fee",
]


def workbook(rows, header=HEADER) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


GOOD = [
    "LS001",
    "临时身份证明开具",
    "household",
    "公安局（户籍）",
    "临时身份证、身份证明",
    "证明",
    "户口簿;近期照片",
    0,
    "work_days",
    "CT",
    "否",
    "免费",
]


def test_import_creates_and_updates_by_code(admin_user):
    before = ServiceItem.objects.count()
    changed = [
        "MZ004",
        "高龄津贴申领",
        "civil_affairs",
        "民政局",
        "高龄补贴、百岁补贴",
        "",
        "居民身份证;户口簿;银行卡",
        15,
        "work_days",
        "CTVO",
        "是",
        "",
    ]
    assert catalogue_import(actor=admin_user, content=workbook([GOOD, changed])) == {"created": 1, "updated": 1}
    assert ServiceItem.objects.count() == before + 1
    new = ServiceItem.objects.get(code="LS001")
    assert new.materials == ["户口簿", "近期照片"] and not new.proxy_allowed and new.at_township and not new.online
    assert "临时身份证" in new.search_text
    mz = ServiceItem.objects.get(code="MZ004")
    assert mz.limit_days == 15 and mz.online and "百岁补贴" in mz.aliases and mz.faq  # FAQ kept


def test_bad_rows_refuse_the_whole_file_with_each_problem(admin_user):
    rows = [
        GOOD,
        ["", "无编号", "household", "公安局", "", "", "", 0, "", "C", "否", ""],
        ["X2", "坏类别", "magic", "公安局", "", "", "", 0, "", "C", "否", ""],
        ["X3", "坏时限", "household", "公安局", "", "", "", "十天", "", "C", "否", ""],
        ["X4", "坏地点", "household", "公安局", "", "", "", 0, "", "CZ", "maybe", ""],
        ["LS001", "重复", "household", "公安局", "", "", "", 0, "", "C", "否", ""],
    ]
    with pytest.raises(CatalogueError) as exc:
        catalogue_import(actor=admin_user, content=workbook(rows))
    problems = exc.value.problems
    assert len(problems) == 6
    assert [re.search(r"\d+", p).group() for p in problems] == ["3", "4", "5", "6", "6", "7"]  # row numbers
    assert not ServiceItem.objects.filter(code__in=["LS001", "X2", "X3", "X4"]).exists()


@pytest.mark.parametrize(
    "content",
    [b"not a workbook", workbook([GOOD], header=["code", "name"]), workbook([]), b"x" * (2 * 1024 * 1024 + 1)],
)
def test_files_that_are_not_catalogues_are_refused(admin_user, content):
    with pytest.raises(CatalogueError):
        catalogue_import(actor=admin_user, content=content)
    assert not ServiceItem.objects.filter(code="LS001").exists()


def test_too_many_rows(admin_user):
    rows = [[f"T{i}", f"事项{i}", "other", "部门", "", "", "", 0, "", "C", "否", ""] for i in range(2001)]
    with pytest.raises(CatalogueError) as exc:
        catalogue_import(actor=admin_user, content=workbook(rows))
    assert "2000" in exc.value.problems[0]
    assert not ServiceItem.objects.filter(code="T1").exists()


def test_import_page(client, admin_user, township_center):
    upload = SimpleUploadedFile("c.xlsx", workbook([GOOD]))
    client.force_login(township_center)
    assert client.post("/services/manage/import/", {"file": upload}).status_code == 403
    client.force_login(admin_user)
    assert (
        client.post("/services/manage/import/", {"file": SimpleUploadedFile("c.xlsx", workbook([GOOD]))}).status_code
        == 303
    )
    assert ServiceItem.objects.filter(code="LS001").exists()
    bad = client.post("/services/manage/import/", {"file": SimpleUploadedFile("c.xlsx", b"junk")})
    assert bad.status_code == 400 and b'id="import-problems"' in bad.content
    assert client.post("/services/manage/import/", {}).status_code == 400
