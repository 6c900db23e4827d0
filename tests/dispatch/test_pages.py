"""Command-center pages: dashboard, statistics (filters, export), and the simulate command."""

import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from events.models import Event
from tests.dispatch.conftest import XINHUA, at, make_event

pytestmark = pytest.mark.django_db


def test_dashboard_page_for_command_staff(client, center):
    client.force_login(center)
    page = client.get("/dashboard/")
    assert page.status_code == 200
    assert b'id="dashboard"' in page.content and b'data-root="530702002"' in page.content
    assert b'data-proxy="/api/v1/services/stats/"' in page.content  # the 代办 panel reads the services app
    # A grid outside the jurisdiction in the address falls back to one's own root.
    assert b'data-root="530702002"' in client.get("/dashboard/?grid=530702001").content
    assert b'data-root="530702002001"' in client.get(f"/dashboard/?grid={XINHUA}").content


def test_statistics_page_and_export(client, center):
    make_event(
        community=XINHUA, created_at=at(days_ago=1), status="closed", accepted_at=at(days_ago=1), closed_at=at(hours=2)
    )
    client.force_login(center)
    page = client.get("/dashboard/stats/")
    assert page.status_code == 200
    assert b'data-kpi="reported">1<' in page.content
    assert b'data-kpi="close_rate">100.0%<' in page.content and b'data-kpi="rework_rate">0.0%<' in page.content
    assert b'data-kpi="satisfaction_rate">\xe2\x80\x93<' in page.content  # nothing rated: a dash, not 0
    export = client.get("/dashboard/stats/export.xlsx?category=01")
    assert export.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(export.streaming_content)))
    kpis = {row[0]: row[1] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert len(kpis) == 15 and 1 in kpis.values()
    areas = list(book.worksheets[5].iter_rows(values_only=True))  # KPIs, trend, categories, types, levels, areas
    assert areas[0][:3] == ("编号", "名称", "案件") and "on_time_rate" not in areas[0]  # headers for people
    assert areas[1][:3] == (XINHUA, areas[1][1], 1)
    rate = next(row for row in book.worksheets[0].iter_rows(min_row=2) if row[0].value == "结案率")[1]
    assert rate.value == 1 and rate.number_format == "0.0%"  # shown as 100.0%


def test_statistics_with_an_impossible_filter_says_so(client, center):
    client.force_login(center)
    page = client.get("/dashboard/stats/?date_from=2026-11-30&date_to=2026-11-01")
    assert page.status_code == 400
    assert b'id="stats-errors"' in page.content and b'data-field="date_from"' in page.content
    assert b'name="date_from" value="2026-11-30"' in page.content  # what was typed stays, to be corrected
    assert client.get("/dashboard/stats/export.xlsx?grid=530702001").status_code == 400


def test_simulate_fills_a_history_and_runs(center, county_staff, gridworker, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    out = io.StringIO()
    call_command("simulate", history=2, per_day=4, duration=1.5, interval=0.5, rate=3600, seed=7, stdout=out)
    made = Event.objects.filter(grid__code__startswith="530702")
    assert made.count() >= 4
    assert made.exclude(status="reported").exists()  # the center accepted some, workers took others on
    assert "cases in the history" in out.getvalue()
    again = io.StringIO()
    call_command("simulate", history=2, per_day=4, duration=0.1, seed=8, stdout=again)
    assert "no history added" in again.getvalue()


@pytest.mark.parametrize("kwargs", [{"rate": -1}, {"interval": 0}, {"history": 1000}, {"county": "999999"}])
def test_simulate_refuses_bad_options(county_staff, kwargs):
    with pytest.raises(CommandError):
        call_command("simulate", duration=0.1, **kwargs)
