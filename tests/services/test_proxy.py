"""Proxy handling (代办) through the services: routing, the loop, its deadline, refusals, the
resident's code, personal data, and who may act."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.geos import Point

from govgrid import crypto
from services.models import ProxyLog, ProxyRequest, ServiceItem
from services.services import (
    ServiceError,
    handler_ids,
    proxy_due,
    proxy_phone_reveal,
    proxy_request_create,
    proxy_transition,
)

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
FRIDAY = datetime(2026, 11, 20, 10, 0, tzinfo=TZ)
PHONE = "13912345678"


@pytest.fixture
def file(home):
    def _file(item="MZ004", **kwargs):
        kwargs.setdefault("phone", PHONE)
        kwargs.setdefault("name", "和秀英")
        kwargs.setdefault("address", "新华街黄山下段12号")
        if "community" not in kwargs:
            kwargs.setdefault("point", home)
        return proxy_request_create(item=item, **kwargs)

    return _file


def test_a_request_is_routed_to_the_grid_of_the_home_and_its_workers(file, grid, gridworker, chief, other_worker):
    request = file()
    assert request.grid == grid and request.status == "requested"
    assert handler_ids(request.grid) == sorted([gridworker.pk, chief.pk])
    assert request.code.startswith("P") and len(request.code) == 10
    assert ProxyLog.objects.filter(request=request, action="request").count() == 1


def test_a_community_chosen_instead_of_a_point_goes_to_the_chiefs_of_its_grids(file, chief, gridworker):
    request = file(community="530702002001")
    assert request.grid.code == "530702002001" and request.point is None
    assert handler_ids(request.grid) == [chief.pk]  # the community has no seat of its own
    proxy_transition(request=request, action="accept", actor=gridworker)  # a worker of a grid inside it may take it


def test_the_loop_request_accept_collect_submit_complete_rate(file, gridworker):
    request = file(now=FRIDAY)
    request = proxy_transition(request=request, action="accept", actor=gridworker)
    assert request.status == "accepted" and request.worker == gridworker and request.accepted_at
    request = proxy_transition(request=request, action="collect", actor=gridworker, materials=["居民身份证", "户口簿"])
    assert request.status == "collected" and request.materials_collected == ["居民身份证", "户口簿"]
    with pytest.raises(ServiceError) as exc:  # the bank card is still missing
        proxy_transition(request=request, action="submit", actor=gridworker, submitted_to="大研街道便民服务中心")
    assert exc.value.status == 409
    request = proxy_transition(
        request=request, action="collect", actor=gridworker, materials=["银行卡", "户口簿", "居民身份证"]
    )
    assert request.materials_collected == ["居民身份证", "户口簿", "银行卡"]  # catalogue order
    request = proxy_transition(request=request, action="submit", actor=gridworker, submitted_to="大研街道便民服务中心")
    assert request.status == "submitted" and request.submitted_at
    request = proxy_transition(request=request, action="complete", actor=gridworker, result="已审核通过，次月起发放")
    assert request.status == "completed" and request.finished_at and request.on_time is True
    assert request.remind_at is None
    request = proxy_transition(
        request=request,
        action="rate",
        actor=None,
        tracking_code=request.code.lower(),
        satisfaction=5,
        comment="网格员跑了两趟，很感谢",
    )
    assert request.satisfaction == 5
    with pytest.raises(ServiceError) as exc:
        proxy_transition(request=request, action="rate", actor=None, tracking_code=request.code, satisfaction=4)
    assert exc.value.status == 409
    actions = list(request.log.order_by("created_at", "pk").values_list("action", flat=True))
    assert actions == ["request", "accept", "collect", "collect", "submit", "complete", "rate"]


def test_the_deadline_comes_from_the_item_in_working_days(file):
    assert file(item="MZ004", now=FRIDAY).due_at == datetime(2026, 12, 18, 17, 30, tzinfo=TZ)  # 20 working days
    # An on-the-spot item still gets one working day: Friday → Monday's close of office.
    assert file(item="SB003", now=FRIDAY).due_at == datetime(2026, 11, 23, 17, 30, tzinfo=TZ)
    item = ServiceItem.objects.get(code="HJ001")
    item.limit_unit, item.limit_days = "calendar_days", 3
    assert proxy_due(item, FRIDAY) == datetime(2026, 11, 23, 17, 30, tzinfo=TZ)
    request = file(item="MZ004", now=FRIDAY)
    assert request.remind_at == datetime(2026, 12, 17, 17, 30, tzinfo=TZ)  # a day before


def test_a_late_result_is_not_on_time(file, gridworker):
    request = file(item="SB003", now=datetime(2026, 1, 5, 10, 0, tzinfo=TZ))
    for action, details in (
        ("accept", {}),
        ("collect", {"materials": ["居民身份证"]}),
        ("submit", {"submitted_to": "x"}),
        ("fail", {"result": "本人未能到场认证"}),
    ):
        request = proxy_transition(request=request, action=action, actor=gridworker, **details)
    assert request.status == "failed" and request.on_time is False


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"item": "HJ002"}, "item"),  # 身份证换领 must be done in person
        ({"item": "NOPE"}, "item"),
        ({"phone": ""}, "phone"),
        ({"phone": "call me"}, "phone"),
        ({"point": Point(102.71, 25.04, srid=4326)}, "lat"),  # Kunming
        ({"community": "530702002"}, "community"),  # a township, not a community
        ({"community": "999999999999"}, "community"),
        ({"address": "x" * 201}, "address"),
    ],
)
def test_bad_requests_are_refused_and_nothing_saved(file, kwargs, field):
    with pytest.raises(ServiceError) as exc:
        file(**kwargs)
    assert exc.value.field == field and 400 <= exc.value.status < 500
    assert not ProxyRequest.objects.exists() and not ProxyLog.objects.exists()


def test_steps_out_of_order_and_by_the_wrong_people(file, gridworker, other_worker, township_center):
    request = file()
    with pytest.raises(ServiceError) as exc:
        proxy_transition(request=request, action="submit", actor=gridworker, submitted_to="x")
    assert exc.value.status == 409
    with pytest.raises(ServiceError) as exc:
        proxy_transition(request=request, action="accept", actor=other_worker)
    assert exc.value.status == 404  # outside their grid: as if it did not exist
    with pytest.raises(ServiceError) as exc:
        proxy_transition(request=request, action="accept", actor=township_center)
    assert exc.value.status == 403  # the center may decline, not handle
    with pytest.raises(ServiceError) as exc:
        proxy_transition(request=request, action="cancel", actor=None, tracking_code="PWRONGCODE")
    assert exc.value.status == 404
    with pytest.raises(ServiceError) as exc:
        proxy_transition(request=request, action="collect", actor=gridworker, materials=["居民身份证"])
    assert exc.value.status == 409
    proxy_transition(request=request, action="accept", actor=gridworker)
    with pytest.raises(ServiceError) as exc:
        proxy_transition(request=request, action="collect", actor=gridworker, materials=["护照"])
    assert exc.value.field == "materials"
    assert ProxyRequest.objects.get(pk=request.pk).materials_collected == []


def test_once_accepted_only_that_worker_handles_it(file, gridworker, chief):
    from tests.conftest import seat
    from tests.factories import UserFactory

    colleague = seat(UserFactory(username="w2", roles=["grid_worker"]), "530702002001001", "part_time")
    request = proxy_transition(request=file(), action="accept", actor=gridworker)
    with pytest.raises(ServiceError) as exc:
        proxy_transition(request=request, action="collect", actor=colleague, materials=["户口簿"])
    assert exc.value.status == 404
    request = proxy_transition(request=request, action="collect", actor=chief, materials=["户口簿"])
    assert request.status == "collected" and request.worker == gridworker  # the chief stepped in


def test_the_resident_cancels_with_the_code(file, gridworker):
    request = proxy_transition(request=file(), action="accept", actor=gridworker)
    request = proxy_transition(request=request, action="cancel", actor=None, tracking_code=request.code)
    assert request.status == "cancelled"


def test_a_worker_files_for_a_resident_and_holds_it(home, gridworker, other_worker):
    request = proxy_request_create(item="YB002", phone=PHONE, point=home, actor=gridworker)
    assert request.status == "accepted" and request.worker == gridworker and request.filed_by == gridworker
    with pytest.raises(ServiceError) as exc:
        proxy_request_create(item="YB002", phone=PHONE, point=home, actor=other_worker)
    assert exc.value.status == 403


def test_phone_is_encrypted_masked_and_every_reveal_logged(file, gridworker, other_worker):
    request = file()
    assert PHONE not in request.phone_encrypted and crypto.decrypt(request.phone_encrypted) == PHONE
    assert request.phone_masked == "139****5678" and request.resident_name == "和**"
    assert proxy_phone_reveal(request=request, actor=gridworker) == PHONE
    assert request.log.filter(action="reveal_phone", actor=gridworker).count() == 1
    with pytest.raises(ServiceError):
        proxy_phone_reveal(request=request, actor=other_worker)


def test_the_resident_is_told_by_sms_when_taken_on_and_when_done(
    file, gridworker, django_capture_on_commit_callbacks, eager_celery
):
    from govgrid.models import SmsMessage

    with django_capture_on_commit_callbacks(execute=True):
        request = file(now=FRIDAY)
        request = proxy_transition(request=request, action="accept", actor=gridworker)
        request = proxy_transition(
            request=request, action="collect", actor=gridworker, materials=request.item.materials
        )
        request = proxy_transition(request=request, action="submit", actor=gridworker, submitted_to="便民服务中心")
        proxy_transition(request=request, action="complete", actor=gridworker, result="已审核通过，次月起发放。")
    taken_on, done = SmsMessage.objects.order_by("pk")  # collecting and submitting are not texted
    assert {taken_on.phone, done.phone} == {"139****5678"}
    assert request.code in taken_on.body and "网格员受理" in taken_on.body
    assert "已审核通过，次月起发放" in done.body and "。。" not in done.body
