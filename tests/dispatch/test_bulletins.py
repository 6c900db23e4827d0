"""Daily bulletins: figures, the xlsx file, the page, the notification."""

import datetime as dt
import io

import pytest
from django.test import TestCase
from django.utils import timezone
from openpyxl import load_workbook

from dispatch import services
from dispatch.models import Bulletin
from govgrid.models import Notification
from grids.models import Grid
from tests.dispatch.conftest import NEIGHBOUR, XIAN, XINHUA, make_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def yesterday_cases():
    """Yesterday in 大研街道: three cases in 新华, one in 新义 (closed), one overdue; one in 西安街道."""
    day = timezone.localdate() - dt.timedelta(days=1)
    noon = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
    for _ in range(3):
        make_event(community=XINHUA, created_at=noon)
    make_event(community=NEIGHBOUR, created_at=noon, status="closed", accepted_at=noon, closed_at=noon)
    make_event(community=XINHUA, created_at=noon, status="in_progress", accepted_at=noon, overdue=True)
    make_event(community=XIAN, created_at=noon)
    return day


def test_bulletin_of_a_township(yesterday_cases, center, media_root, eager_celery):
    township = Grid.objects.get(code="530702002")
    with TestCase.captureOnCommitCallbacks(execute=True):
        bulletin = services.bulletin_build(grid=township, day=yesterday_cases)
    data = bulletin.data
    assert (data["reported"], data["closed"], data["overdue_open"]) == (5, 1, 1)
    assert [(g["code"], g["count"]) for g in data["grids"]] == [(XINHUA, 4), (NEIGHBOUR, 1)]
    assert 'data-figure="reported">5<' in bulletin.html
    book = load_workbook(io.BytesIO(bulletin.xlsx.read()))
    summary = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    assert summary[0][1:] == ["大研街道", yesterday_cases.isoformat()]
    assert [r[1] for r in summary[1:5]] == [5, 1, 4, 1]  # reported, closed, open, overdue
    areas = [list(r) for r in book.worksheets[1].iter_rows(values_only=True)]
    assert [r[:2] for r in areas[1:]] == [
        [Grid.objects.get(code=XINHUA).name, 4],
        [Grid.objects.get(code=NEIGHBOUR).name, 1],
    ]
    rates = [row[4] for row in book.worksheets[1].iter_rows(min_row=2) if row[4].value is not None]
    assert rates and {cell.number_format for cell in rates} == {"0.0%"}  # rates shown as percentages
    assert Notification.objects.filter(
        user=center, kind="bulletin", url=f"/dashboard/bulletins/{bulletin.pk}/"
    ).exists()


def test_rebuilding_keeps_one_bulletin_and_one_notification(yesterday_cases, center, media_root, eager_celery):
    township = Grid.objects.get(code="530702002")
    for _ in range(2):
        with TestCase.captureOnCommitCallbacks(execute=True):
            services.bulletin_build(grid=township, day=yesterday_cases)
    assert Bulletin.objects.filter(grid=township).count() == 1
    assert Notification.objects.filter(user=center, kind="bulletin").count() == 1


def test_the_morning_task_builds_the_county_and_every_township(yesterday_cases, media_root):
    built = services.bulletins_build_all()
    codes = {b.grid.code for b in built}
    assert "530702" in codes and "530702002" in codes and "530127" in codes
    assert all(len(c) in (6, 9) for c in codes)
    county = next(b for b in built if b.grid.code == "530702")
    assert county.data["reported"] == 6


def test_bulletin_pages_are_scoped(client, yesterday_cases, center, county_staff, media_root):
    mine = services.bulletin_build(grid=Grid.objects.get(code="530702002"), day=yesterday_cases)
    other = services.bulletin_build(grid=Grid.objects.get(code="530702001"), day=yesterday_cases)
    client.force_login(center)
    assert client.get("/dashboard/bulletins/").status_code == 200
    assert client.get(f"/dashboard/bulletins/{mine.pk}/").status_code == 200
    xlsx = client.get(f"/dashboard/bulletins/{mine.pk}/xlsx/")
    assert xlsx.status_code == 200 and xlsx["Content-Disposition"].startswith("attachment")
    assert client.get(f"/dashboard/bulletins/{other.pk}/").status_code == 404
    assert client.get(f"/dashboard/bulletins/{other.pk}/xlsx/").status_code == 404
    listed = client.get("/api/v1/bulletins/").json()["results"]
    assert [b["grid"] for b in listed] == ["530702002"]


def test_the_center_builds_yesterdays_bulletin_of_its_area_on_demand(client, yesterday_cases, center, media_root):
    client.force_login(center)
    page = client.get("/dashboard/bulletins/").content.decode()
    assert 'id="bulletin-build"' in page and "大研街道" in page
    next_run = timezone.localtime().replace(hour=8, minute=0, second=0, microsecond=0)
    if timezone.localtime() >= next_run:
        next_run += dt.timedelta(days=1)
    assert f"{next_run:%Y-%m-%d} 08:00" in page  # when the morning task runs next, not "tomorrow" always
    assert client.post("/dashboard/bulletins/").status_code == 302
    (bulletin,) = Bulletin.objects.all()
    assert (bulletin.grid.code, bulletin.day, bulletin.data["reported"]) == ("530702002", yesterday_cases, 5)
    assert not Notification.objects.exists()  # asked for, not announced
    client.post("/dashboard/bulletins/")
    assert Bulletin.objects.count() == 1  # rebuilt, not doubled
