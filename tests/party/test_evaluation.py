"""Yearly evaluation (双评议) arithmetic on a known dataset, and its xlsx export.

Score = 70 × min(hours / minimum, 1) + 30 × completion rate; a member who took on nothing gets 0
for the completion part, a unit sent nothing is scored on hours alone; pass at the pass mark. Hours of other years do not count."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from party import services
from party.models import Evaluation, YearPolicy
from party.selectors import evaluation_score, evaluation_sheet

from .conftest import photo

pytestmark = pytest.mark.django_db


def hours(organiser, member_or_unit, total, year):
    """Record `total` hours in pieces of at most 10 hours, in January of `year`."""
    key = "member" if hasattr(member_or_unit, "home_grid") else "unit"
    left, day = Decimal(total), 1
    while left > 0:
        piece = min(left, Decimal(10))
        services.record_add(actor=organiser, hours=piece, on=date(year, 1, day), note="巡查", **{key: member_or_unit})
        left, day = left - piece, day + 1


def take_on(member, wish, *, done_hours=None, confirmer=None):
    w = services.wish_claim(actor=member.user, wish=wish())
    if done_hours:
        w = services.wish_complete(actor=member.user, wish=w, note="好了", hours=done_hours, photo=photo())
        services.wish_confirm(actor=confirmer, wish=w, rating=5)


@pytest.fixture
def dataset(organiser, gridworker, make_member, wish, tree):
    year = timezone.localdate().year
    YearPolicy.objects.create(year=year, min_hours=Decimal("50"), pass_mark=80)
    a, b, c = make_member("m-a", name="甲"), make_member("m-b", name="乙"), make_member("m-c", name="丙")
    unit = services.unit_create(actor=None, name="供电局", kind="enterprise", community=tree["xinhua"].grid)
    s = make_member("m-s", name="丁", kind="serving", work_unit=unit)

    hours(organiser, a, 54, year)
    hours(organiser, a, 10, year - 1)  # last year: not counted
    take_on(a, wish, done_hours="1", confirmer=gridworker)
    take_on(a, wish)  # taken on, not done
    hours(organiser, b, 20, year)
    hours(organiser, c, 48, year)
    take_on(c, wish, done_hours="2", confirmer=gridworker)
    for _ in range(3):
        take_on(c, wish)
    hours(organiser, unit, 10, year)
    w = services.wish_dispatch(actor=organiser, wish=wish(), unit=unit)
    w = services.wish_claim(actor=s.user, wish=w)
    w = services.wish_complete(actor=s.user, wish=w, note="检修", hours="5", photo=photo())
    services.wish_confirm(actor=gridworker, wish=w, rating=4)
    return {"year": year, "a": a, "b": b, "c": c, "s": s, "unit": unit}


def row_of(rows, pk):
    return next(r for r in rows if r.id == pk)


def test_the_yearly_sheet_adds_up(organiser, dataset):
    sheet = evaluation_sheet(user=organiser, year=dataset["year"])
    a = row_of(sheet["members"], dataset["a"].pk)
    assert (a.hours, a.accepted, a.completed, a.rate, a.score, a.hours_met, a.passed) == (
        Decimal("55"),
        2,
        1,
        Decimal("0.500"),
        Decimal("85.0"),
        True,
        True,
    )
    b = row_of(sheet["members"], dataset["b"].pk)
    assert (b.hours, b.accepted, b.rate, b.score, b.hours_met, b.passed) == (
        Decimal("20"),
        0,
        None,
        Decimal("28.0"),  # 70 × 20/50 + 0: no wish taken on, no free completion points
        False,
        False,
    )
    c = row_of(sheet["members"], dataset["c"].pk)
    assert (c.hours, c.accepted, c.completed, c.score, c.hours_met, c.passed) == (
        Decimal("50"),
        4,
        1,
        Decimal("77.5"),
        True,
        False,
    )
    s = row_of(sheet["members"], dataset["s"].pk)
    assert (s.hours, s.accepted, s.completed, s.score) == (Decimal("5"), 1, 1, Decimal("37.0"))
    unit = row_of(sheet["units"], dataset["unit"].pk)
    assert (unit.hours, unit.accepted, unit.completed, unit.score, unit.passed) == (
        Decimal("15"),
        1,
        1,
        Decimal("51.0"),
        False,
    )


def test_a_lower_pass_mark_passes_more(organiser, dataset):
    YearPolicy.objects.filter(year=dataset["year"]).update(pass_mark=75, min_hours=Decimal("40"))
    sheet = evaluation_sheet(user=organiser, year=dataset["year"])
    c = row_of(sheet["members"], dataset["c"].pk)
    assert (c.score, c.passed) == (Decimal("77.5"), True)
    b = row_of(sheet["members"], dataset["b"].pk)
    assert b.score == Decimal("35.0")  # 70 × 20/40 + 0


def test_recording_freezes_the_sheet_and_updates_on_a_second_run(organiser, dataset):
    assert services.evaluation_record(actor=organiser, year=dataset["year"]) == 5
    assert services.evaluation_record(actor=organiser, year=dataset["year"]) == 5
    assert Evaluation.objects.count() == 5
    stored = Evaluation.objects.get(member=dataset["a"], year=dataset["year"])
    assert (stored.hours, stored.score, stored.passed) == (Decimal("55"), Decimal("85.0"), True)


def test_the_sheet_exports_to_xlsx(client, organiser, dataset):
    client.force_login(organiser)
    response = client.get(f"/party/evaluation/export.xlsx?year={dataset['year']}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    members, units = book.worksheets
    rows = {r[0]: r for r in members.iter_rows(min_row=3, values_only=True)}
    assert rows["甲"][2] == 55 and rows["甲"][6] == 0.5 and rows["甲"][7] == 85
    assert rows["乙"][6] is None and rows["乙"][7] == 28
    unit_rows = list(units.iter_rows(min_row=3, values_only=True))
    assert [(r[0], r[2], r[7]) for r in unit_rows] == [("供电局", 15, 51)]
    assert client.get("/party/evaluation/export.xlsx?year=abc").status_code == 400


def test_the_api_gives_the_sheet(client, organiser, dataset):
    client.force_login(organiser)
    body = client.get(f"/api/v1/party/evaluations/?year={dataset['year']}").json()
    assert body["min_hours"] == "50.0" and body["pass_mark"] == 80
    a = next(r for r in body["members"] if r["name"] == "甲")
    assert (a["hours"], a["completion_rate"], a["score"], a["passed"]) == ("55.0", "0.500", "85.0", True)


@pytest.mark.parametrize(
    ("hours_done", "accepted", "completed", "score"),
    [
        ("0", 0, 0, "0.0"),  # was 30: nothing done, nothing earned
        ("15.5", 0, 0, "21.7"),  # was 51.7
        ("23.5", 2, 1, "47.9"),  # 70 × 23.5/50 + 30 × 1/2, unchanged
        ("50", 0, 0, "70.0"),  # full hours but no wish: below the pass mark of 80
        ("50", 2, 1, "85.0"),  # taking wishes on ranks above taking none
    ],
)
def test_a_member_who_took_on_no_wish_earns_no_completion_points(hours_done, accepted, completed, score):
    policy = YearPolicy(year=2026, min_hours=Decimal("50"), pass_mark=80)
    assert evaluation_score(hours=Decimal(hours_done), accepted=accepted, completed=completed, policy=policy)[
        1
    ] == Decimal(score)


def test_a_unit_sent_no_wish_is_scored_on_its_hours_alone(organiser, dataset, tree):
    idle = services.unit_create(actor=None, name="邮政所", kind="enterprise", community=tree["xinhua"].grid)
    hours(organiser, idle, 10, dataset["year"])
    row = row_of(evaluation_sheet(user=organiser, year=dataset["year"])["units"], idle.pk)
    assert (row.accepted, row.rate, row.score, row.passed) == (0, None, Decimal("20.0"), False)  # 100 × 10/50


def test_the_page_explains_the_rule_for_nothing_taken_on(client, organiser, dataset):
    client.force_login(organiser)
    page = client.get("/party/evaluation/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "A member who took on no wish gets 0 for the completion part" in page
