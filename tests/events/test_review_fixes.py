"""Problems a reviewer met using the cases workflow as its users do; each test would have caught one."""

import pytest

from events.models import Event

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


# --- 1. a worker filing a case outside their own grid lands on something they can see ------------


def test_a_worker_reporting_outside_their_grid_lands_on_their_inbox_with_where_it_went(
    client, other_worker, spot, grid
):
    client.force_login(other_worker)
    response = client.post(
        "/m/report/",
        {"category": "0102", "description": "路边垃圾", "lat": spot.y, "lng": spot.x, "idempotency_key": "k-outside"},
        follow=True,
    )
    event = Event.objects.get(idempotency_key="k-outside")
    assert event.grid == grid
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/m/"
    html = response.content.decode()
    assert event.number in html and grid.name in html and grid.code in html


def test_a_worker_reporting_in_their_own_grid_lands_on_the_case(client, gridworker, spot):
    client.force_login(gridworker)
    response = client.post(
        "/m/report/",
        {"category": "0102", "description": "路边垃圾", "lat": spot.y, "lng": spot.x, "idempotency_key": "k-own"},
        follow=True,
    )
    event = Event.objects.get(idempotency_key="k-own")
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == f"/m/cases/{event.number}/"


def test_the_report_form_offers_the_grid_of_the_point(client, gridworker):
    client.force_login(gridworker)
    html = client.get("/m/report/").content.decode()
    assert '<select name="category" required><option value="">请选择类别</option>' in html  # no kind chosen for them
    assert 'id="gps-grid"' in html and "/api/v1/grids/locate/" in html


# --- 2. merging is for duplicates only ---------------------------------------------------------


def _snapshot(event):
    return Event.objects.filter(pk=event.pk).values().get(), event.log.count()


@pytest.fixture
def xian_spot(db):
    """A point in a unit grid of another township (束河街道)."""
    from grids.models import Grid

    return Grid.objects.get(code="530702001001001").boundary.point_on_surface


@pytest.mark.parametrize("why", ["other_major", "other_township", "not_visible", "self", "closed"])
def test_merging_into_a_case_that_is_not_a_duplicate_is_refused(report, county_center, center, xian_spot, why):
    from events.services import EventError, event_transition

    event = report()
    actor = county_center
    if why == "other_major":
        into = report(category="0201", description="小广告")  # 宣传广告, not 市容环境
    elif why in ("other_township", "not_visible"):
        into = report(point=xian_spot)
        actor = center if why == "not_visible" else county_center  # 大研's center does not see 束河
    elif why == "closed":
        into = report()
        Event.objects.filter(pk=into.pk).update(status="closed")
    else:
        into = event
    before = _snapshot(event)
    with pytest.raises(EventError) as excinfo:
        event_transition(event=event, action="merge", actor=actor, into=into.number)
    expected = {"other_major": 409, "other_township": 409}.get(why, 400)
    assert (excinfo.value.status, excinfo.value.field) == (expected, "into"), excinfo.value.message
    assert _snapshot(event) == before


def test_a_duplicate_of_another_minor_class_of_the_same_major_class_is_merged(report, center):
    into = report(category="0103", description="渣土")
    event = report()
    event = event_transition_merge(event, center, into)
    assert (event.status, event.merged_into) == ("merged", into)


def event_transition_merge(event, actor, into):
    from events.services import event_transition

    return event_transition(event=event, action="merge", actor=actor, into=into.number)


def test_the_case_page_offers_the_duplicates_and_refuses_an_unrelated_merge(client, report, center):
    first = report()
    unrelated = report(category="0201", description="小广告")
    second = report()
    client.force_login(center)
    html = client.get(f"/cases/{second.number}/").content.decode()
    assert 'class="merge-candidates"' in html
    candidates = html.split('class="merge-candidates"')[1].split("</ul>")[0]
    assert first.number in candidates and unrelated.number not in candidates

    response = client.post(f"/cases/{second.number}/act/", {"action": "merge", "into": unrelated.number}, follow=True)
    second.refresh_from_db()
    assert second.status == "reported" and second.merged_into is None
    assert "只有同一问题的重复案件才能合并" in response.content.decode()  # said in the user's language
    assert not first.log.filter(action="merged_in").exists()

    client.post(f"/cases/{second.number}/act/", {"action": "merge", "into": first.number})
    second.refresh_from_db()
    assert second.status == "merged" and second.merged_into == first
    kept = first.log.get(action="merged_in")  # the case kept says which duplicate joined it
    assert kept.data == {"from": second.number} and kept.actor_ref == center.pk
    timeline = client.get(f"/cases/{first.number}/").content.decode()
    assert "并入重复案件" in timeline and second.number in timeline
    from events.logchain import chain_problems

    assert chain_problems(events=type(first).objects.filter(pk=first.pk)) == []


# --- 3. the dispatch form sends one target -------------------------------------------------------


def test_dispatching_to_a_worker_while_the_suggested_department_stays_selected(
    client, department, report, center, gridworker
):
    from events.services import event_transition

    event = event_transition(event=report(), action="accept", actor=center)
    client.force_login(center)
    html = client.get(f"/cases/{event.number}/").content.decode()
    assert 'name="to" value="worker"' in html and 'name="to" value="department"' in html
    department = event.suggested_department
    assert department is not None and f'<option value="{department.pk}" selected>' in html  # still the suggestion

    # What the browser sends: both selects, and the radio saying which is meant.
    form = {"action": "dispatch", "to": "worker", "department": department.pk, "worker": gridworker.pk}
    client.post(f"/cases/{event.number}/act/", form)
    event.refresh_from_db()
    assert (event.status, event.assignee_user, event.assignee_department) == ("dispatched", gridworker, None)


def test_dispatching_to_the_department_chosen_by_the_radio(client, department, report, center, gridworker):
    from events.services import event_transition

    event = event_transition(event=report(), action="accept", actor=center)
    department = event.suggested_department
    client.force_login(center)
    form = {"action": "dispatch", "to": "department", "department": department.pk, "worker": gridworker.pk}
    client.post(f"/cases/{event.number}/act/", form)
    event.refresh_from_db()
    assert (event.status, event.assignee_user, event.assignee_department) == ("dispatched", None, department)


# --- 4. whoever reported the result does not verify it -------------------------------------------


def test_a_worker_who_reported_claimed_and_resolved_a_case_cannot_close_it(client, report, center, gridworker):
    from events.services import EventError, event_transition

    event = report(source="worker", actor=gridworker)
    event = event_transition(event=event, action="accept", actor=center)
    event = event_transition(event=event, action="dispatch", actor=center, worker=gridworker)
    event = event_transition(event=event, action="claim", actor=gridworker)
    event = event_transition(event=event, action="resolve", actor=gridworker, result="已清理")
    before = _snapshot(event)
    with pytest.raises(EventError) as excinfo:
        event_transition(event=event, action="close", actor=gridworker)
    assert excinfo.value.status == 403 and "须由他人核查结案" in excinfo.value.message
    with pytest.raises(EventError) as excinfo:  # sending it back is verifying too
        event_transition(event=event, action="rework", actor=gridworker, reason="再看看")
    assert excinfo.value.status == 403
    assert _snapshot(event) == before

    # Neither page offers them the button, and the form is refused all the same.
    client.force_login(gridworker)
    assert 'class="action action-close"' not in client.get(f"/cases/{event.number}/").content.decode()
    assert 'class="action action-close"' not in client.get(f"/m/cases/{event.number}/").content.decode()
    assert 'class="action action-rework"' not in client.get(f"/cases/{event.number}/").content.decode()
    client.post(f"/cases/{event.number}/act/", {"action": "close"})
    event.refresh_from_db()
    assert event.status == "resolved"

    # Someone else of the grid's side verifies it.
    client.force_login(center)
    assert 'class="action action-close"' in client.get(f"/cases/{event.number}/").content.decode()
    event = event_transition(event=event, action="close", actor=center)
    assert event.status == "closed"


def test_a_worker_verifies_a_result_someone_else_reported(case_in, gridworker):
    from events.services import event_transition

    event = case_in("resolved")  # resolved by the department's clerk
    event = event_transition(event=event, action="close", actor=gridworker)
    assert event.status == "closed"


def test_resolving_on_the_spot_still_closes_by_itself(gridworker, spot, media_root):
    from events.services import event_report

    from .conftest import photo

    event, _created = event_report(
        source="worker",
        category="0201",
        description="电线杆上的小广告",
        point=spot,
        actor=gridworker,
        resolve_on_spot=True,
        result="已清除",
        photos=[photo()],
        after_photos=[photo("after.jpg")],
    )
    assert event.status == "closed" and event.self_resolved


# --- 5. the resident sees what was done, or why the report was turned down ----------------------------


def test_the_tracking_page_shows_the_result_of_a_closed_case_before_the_rating(client, case_in, department):
    event = case_in("closed")  # resolved by the department's clerk with "已清运完毕", verified by the worker
    html = client.get(f"/track/{event.tracking_code}/").content.decode()
    assert 'id="handling-result"' in html and "已清运完毕" in html
    assert html.index("已清运完毕") < html.index('id="rate"')
    assert department.clerk.username not in html and "hw-clerk" not in html


def test_the_tracking_page_shows_why_a_report_was_rejected_and_nothing_else(client, report, center):
    from events.services import event_transition

    event = report()
    event = event_transition(event=event, action="reject", actor=center, reason="属于物业管理范围，请联系小区物业")
    html = client.get(f"/track/{event.tracking_code}/").content.decode()
    assert 'id="rejection-reason"' in html and "属于物业管理范围，请联系小区物业" in html
    assert center.username not in html


def test_an_open_case_shows_neither_result_nor_reason(client, case_in):
    event = case_in("resolved")
    html = client.get(f"/track/{event.tracking_code}/").content.decode()
    assert 'id="handling-result"' not in html and 'id="rejection-reason"' not in html


# --- 6. a callback follows up a case taken on; "reached" is not ticked for the caller ----------------


@pytest.mark.parametrize("status", ["reported", "rejected", "merged"])
def test_a_callback_on_a_case_not_taken_on_is_refused(case_in, center, status):
    from events.models import CallbackRecord
    from events.services import EventError, callback_record

    event = case_in(status, source="hotline", phone="13912345678")
    before = _snapshot(event)
    with pytest.raises(EventError) as excinfo:
        callback_record(event=event, actor=center, reached=True)
    assert excinfo.value.status == 409
    assert _snapshot(event) == before and not CallbackRecord.objects.filter(event=event).exists()


@pytest.mark.parametrize("status", ["accepted", "in_progress", "closed"])
def test_a_callback_on_a_case_taken_on_is_recorded(case_in, center, status):
    from events.services import callback_record

    event = case_in(status, source="hotline", phone="13912345678")
    assert callback_record(event=event, actor=center, reached=False).reached is False


def test_the_callback_form_is_offered_from_acceptance_and_reached_is_not_ticked(client, case_in, center):
    client.force_login(center)
    reported = case_in("reported", source="hotline", phone="13912345678")
    assert 'value="callback"' not in client.get(f"/cases/{reported.number}/").content.decode()
    accepted = case_in("accepted", source="hotline", phone="13912345678")
    html = client.get(f"/cases/{accepted.number}/").content.decode()
    assert 'value="callback"' in html
    assert '<input type="checkbox" name="reached" value="1">' in html  # not checked


# --- 7. dispatch only to departments serving the case's area ---------------------------------------


@pytest.fixture
def xian_office(db):
    """A township office of 束河街道 (another township than the cases' 大研街道)."""
    from dispatch.models import Department
    from grids.models import Grid

    return Department.objects.create(
        name="束河街道城管中队", type="综合行政执法", level=4, area=Grid.objects.get(code="530702001")
    )


def test_dispatch_to_a_department_of_another_township_is_refused(case_in, center, xian_office):
    from events.services import EventError, event_transition

    event = case_in("accepted")
    before = _snapshot(event)
    with pytest.raises(EventError) as excinfo:
        event_transition(event=event, action="dispatch", actor=center, department=xian_office.pk)
    assert (excinfo.value.status, excinfo.value.field) == (400, "department")
    with pytest.raises(EventError):
        event_transition(event=event, action="dispatch", actor=center, department=xian_office)
    assert _snapshot(event) == before


def test_the_dispatch_form_lists_only_departments_serving_the_case(client, case_in, center, department, xian_office):
    event = case_in("accepted")
    client.force_login(center)
    html = client.get(f"/cases/{event.number}/").content.decode()
    form = html.split("action-dispatch")[1].split("</form>")[0]
    assert department.name in form and xian_office.name not in form


# --- 9. the nearest workers when nobody is within 2 km, and dispatching one of them --------------------


def test_the_nearest_workers_further_away_are_offered_and_one_can_be_preselected(client, case_in, center, gridworker):
    from django.contrib.gis.geos import Point

    from grids.models import Membership

    event = case_in("accepted")
    far = Point(event.point.x + 0.05, event.point.y, srid=4326)  # about 5 km east
    Membership.objects.filter(user=gridworker).update(on_duty=True, last_position=far)
    client.force_login(center)
    html = client.get(f"/cases/{event.number}/").content.decode()
    assert 'class="nearby nearby-farther" id="nearby-workers"' in html  # said to be further than 2 km
    nearby = html.split('id="nearby-workers"')[1].split("</details>")[0]
    assert "5 km" in nearby
    assert f'data-user="{gridworker.pk}"' in nearby and f'href="?worker={gridworker.pk}#nearby-workers"' in nearby

    html = client.get(f"/cases/{event.number}/", {"worker": gridworker.pk}).content.decode()
    form = html.split("action-dispatch")[1].split("</form>")[0]
    assert f'<option value="{gridworker.pk}" selected>' in form
    assert f'value="worker" id="to-worker-{event.number}" checked>' in form


def test_within_2_km_the_list_is_not_said_to_be_further(client, case_in, center, gridworker):
    from grids.models import Membership

    event = case_in("accepted")
    Membership.objects.filter(user=gridworker).update(on_duty=True, last_position=event.point)
    client.force_login(center)
    html = client.get(f"/cases/{event.number}/").content.decode()
    assert 'class="nearby" id="nearby-workers"' in html and f'data-user="{gridworker.pk}"' in html
