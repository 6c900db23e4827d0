"""Co-building (a need matched to a resource becomes a project), activities (sign-up, check-in,
hours credited once), and the organisation tree's coverage of unit grids."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from party import services
from party.models import CoBuildProject, ServiceRecord
from party.selectors import coverage
from party.services import PartyError

from .conftest import COMMUNITY, GRID, OTHER_COMMUNITY, grid

pytestmark = pytest.mark.django_db


def test_matching_a_need_to_a_resource_makes_one_project(organiser, tree):
    community = tree["xinhua"].grid
    unit = services.unit_create(
        actor=organiser, name="供电局", kind="enterprise", community=community, contact_phone="13911112222"
    )
    assert unit.contact_phone_masked == "139****2222"
    resource = services.item_create(actor=organiser, kind="resource", community=community, unit=unit, title="线路检修")
    need = services.item_create(actor=organiser, kind="need", community=community, title="楼道线路老化")
    today = timezone.localdate()
    project = services.project_match(
        actor=organiser,
        need=need,
        resource=resource,
        owner="木志华",
        starts_on=today,
        ends_on=today + timedelta(days=30),
    )
    assert (project.unit, project.status) == (unit, "planned")
    with pytest.raises(PartyError) as twice:
        services.project_match(actor=organiser, need=need, resource=resource, owner="x", starts_on=today, ends_on=today)
    assert twice.value.status == 409
    with pytest.raises(PartyError):
        services.project_match(actor=organiser, need=resource, resource=need, owner="x", starts_on=today, ends_on=today)
    with pytest.raises(PartyError):
        services.project_update(actor=organiser, project=project, status="done")  # an outcome is needed
    project = services.project_update(actor=organiser, project=project, status="done", outcome="更换线路 120 米")
    assert CoBuildProject.objects.get().status == "done"


def test_a_resource_of_another_communitys_unit_is_refused(organiser, tree):
    unit = services.unit_create(actor=organiser, name="医院", kind="institution", community=grid(OTHER_COMMUNITY))
    with pytest.raises(PartyError):
        services.item_create(actor=organiser, kind="resource", community=grid(COMMUNITY), unit=unit, title="义诊")


def test_sign_up_then_check_in_credits_the_hours_once(organiser, make_member, tree):
    member = make_member("m-act")
    outsider = make_member("m-act-out", org=tree["xinyi_branch"], home=OTHER_COMMUNITY + "001")
    start = timezone.now() + timedelta(minutes=30)
    activity = services.activity_create(
        actor=organiser,
        title="主题党日",
        kind="theme_day",
        community=grid(COMMUNITY),
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        hours="3",
        capacity=1,
    )
    services.activity_signup(actor=member.user, activity=activity)
    with pytest.raises(PartyError) as twice:
        services.activity_signup(actor=member.user, activity=activity)
    assert twice.value.status == 409
    with pytest.raises(PartyError) as elsewhere:
        services.activity_signup(actor=outsider.user, activity=activity)
    assert elsewhere.value.status == 404

    services.activity_checkin(actor=organiser, activity=activity, member=member)
    with pytest.raises(PartyError):
        services.activity_checkin(actor=organiser, activity=activity, member=member)
    member.refresh_from_db()
    assert member.hours == Decimal("3") and ServiceRecord.objects.filter(activity=activity).count() == 1


def test_signing_up_on_the_phone_and_checking_in_on_the_desk(client, organiser, make_member, tree):
    member = make_member("m-act-pages")
    start = timezone.now() + timedelta(minutes=10)
    client.force_login(organiser)
    response = client.post(
        "/party/activities/",
        {
            "title": "志愿服务",
            "kind": "volunteer",
            "community": COMMUNITY,
            "hours": "2",
            "starts_at": timezone.localtime(start).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": timezone.localtime(start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    activity_id = int(response["Location"].rstrip("/").rsplit("/", 1)[1])
    client.force_login(member.user)
    assert client.post("/party/m/activities/", {"activity": activity_id}).status_code == 302
    assert client.post("/party/m/activities/", {"activity": "x"}).status_code == 404
    client.force_login(organiser)
    assert client.post(f"/party/activities/{activity_id}/", {"member": member.pk}).status_code == 302
    assert ServiceRecord.objects.get(activity_id=activity_id).member == member


def test_coverage_counts_unit_grids_with_a_branch_or_group(organiser, tree):
    # The tree has branches on the first unit grid of 新华社区 and of 新义社区; a group on a
    # second grid of 新华 through a branch there.
    second = services.org_create(
        actor=None, name="第2网格党支部", kind="branch", parent=tree["xinhua"], grid=grid(GRID[:-1] + "2")
    )
    services.org_create(actor=None, name="党小组", kind="group", parent=second)
    rows = {r["code"]: r for r in coverage(user=organiser)}
    xinhua_grids = rows[COMMUNITY]["grids"]
    assert rows[COMMUNITY]["covered"] == 2
    assert rows[COMMUNITY]["share"] == round(100 * 2 / xinhua_grids, 1)
    assert rows[OTHER_COMMUNITY]["covered"] == 1
    assert rows["530702002"]["covered"] == 3
    assert "530702001" not in rows  # another township: outside the organiser's jurisdiction


def test_the_tree_refuses_a_level_in_the_wrong_place(tree):
    with pytest.raises(PartyError):
        services.org_create(actor=None, name="小组", kind="group", parent=tree["xinhua"])
    with pytest.raises(PartyError):
        services.org_create(
            actor=None, name="支部", kind="branch", parent=tree["xinhua"], grid=grid(OTHER_COMMUNITY + "001")
        )
