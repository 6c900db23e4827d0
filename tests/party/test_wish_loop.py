"""The wish loop (微心愿: 居民点单-组织派单-党员接单) through the services, the pages and the API:
post → dispatch or claim → complete (note, hours, photo) → confirm and rate → hours credited once."""

import io
import re
from decimal import Decimal

import pytest
from PIL import Image

from govgrid.models import Notification
from party import services
from party.choices import WishStatus
from party.models import PartyMember, ServiceRecord, Wish, WishLog
from party.services import PartyError

from .conftest import GRID, photo

pytestmark = pytest.mark.django_db


def test_claim_complete_confirm_credits_hours_and_points_once(make_member, wish, gridworker):
    member = make_member("m-claim")
    w = wish()
    assert w.status == WishStatus.POSTED and w.resident_phone_masked == "138****1111"
    assert "13800001111" not in w.resident_phone_encrypted

    w = services.wish_claim(actor=member.user, wish=w)
    assert (w.status, w.assignee_member_id) == (WishStatus.CLAIMED, member.pk)
    w = services.wish_complete(actor=member.user, wish=w, note="已修好", hours="2.5", photo=photo())
    assert w.status == WishStatus.COMPLETED and w.hours == Decimal("2.5") and w.completion_photo
    w = services.wish_confirm(actor=gridworker, wish=w, rating=4, comment="谢谢")
    assert (w.status, w.rating, w.confirmed_by) == (WishStatus.CONFIRMED, 4, gridworker)

    member.refresh_from_db()
    assert member.hours == Decimal("2.5") and member.points == 25 + 4
    record = ServiceRecord.objects.get(wish=w)
    assert (record.member_id, record.hours, record.source) == (member.pk, Decimal("2.5"), "wish")

    with pytest.raises(PartyError) as again:
        services.wish_confirm(actor=gridworker, wish=w, rating=5)
    assert again.value.status == 409
    member.refresh_from_db()
    assert member.hours == Decimal("2.5") and ServiceRecord.objects.filter(wish=w).count() == 1
    assert list(WishLog.objects.filter(wish=w).values_list("action", flat=True)) == [
        "post",
        "claim",
        "complete",
        "confirm",
    ]


def test_dispatch_then_the_member_claims_and_the_resident_confirms(
    organiser, make_member, wish, eager_celery, django_capture_on_commit_callbacks
):
    member = make_member("m-dispatch")
    w = wish()
    with django_capture_on_commit_callbacks(execute=True):
        w = services.wish_dispatch(actor=organiser, wish=w, member=member)
    assert (w.status, w.assignee_member_id) == (WishStatus.DISPATCHED, member.pk)
    assert Notification.objects.filter(user=member.user, kind="wish.dispatched").count() == 1

    w = services.wish_claim(actor=member.user, wish=w)
    w = services.wish_complete(actor=member.user, wish=w, note="陪同复查", hours="3", photo=photo())
    with pytest.raises(PartyError) as wrong_code:
        services.wish_confirm(actor=None, wish=w, rating=5, tracking_code="WRONGCODE1")
    assert wrong_code.value.status == 404
    w = services.wish_confirm(actor=None, wish=w, rating=5, tracking_code=w.tracking_code.lower())
    assert w.status == WishStatus.CONFIRMED
    assert PartyMember.objects.get(pk=member.pk).hours == Decimal("3")


def test_a_wish_dispatched_to_someone_else_cannot_be_claimed(organiser, make_member, wish):
    chosen, other = make_member("m-chosen"), make_member("m-other")
    w = services.wish_dispatch(actor=organiser, wish=wish(), member=chosen)
    with pytest.raises(PartyError) as refused:
        services.wish_claim(actor=other.user, wish=w)
    assert refused.value.status == 409
    assert Wish.objects.get(pk=w.pk).status == WishStatus.DISPATCHED


def test_a_wish_dispatched_to_a_unit_is_taken_on_by_a_member_of_that_unit(organiser, make_member, wish, tree):
    unit = services.unit_create(actor=None, name="古城区人民医院", kind="institution", community=tree["xinhua"].grid)
    serving = make_member("m-serving", kind="serving", work_unit=unit)
    outsider = make_member("m-outsider")
    w = services.wish_dispatch(actor=organiser, wish=wish(), unit=unit)
    with pytest.raises(PartyError):
        services.wish_claim(actor=outsider.user, wish=w)
    w = services.wish_claim(actor=serving.user, wish=w)
    assert (w.assignee_member_id, w.assignee_unit_id, w.status) == (serving.pk, unit.pk, WishStatus.CLAIMED)


def test_the_completion_photo_is_re_encoded_without_exif(make_member, wish):
    member = make_member("m-exif")
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    w = services.wish_claim(actor=member.user, wish=wish())
    w = services.wish_complete(actor=member.user, wish=w, note="好了", hours="1", photo=photo(exif=exif.tobytes()))
    with Image.open(io.BytesIO(w.completion_photo.read())) as stored:
        assert stored.format == "JPEG" and not stored.getexif()


def test_only_the_member_who_took_it_on_completes_it(make_member, wish):
    taker, other = make_member("m-taker"), make_member("m-other2")
    w = services.wish_claim(actor=taker.user, wish=wish())
    with pytest.raises(PartyError) as refused:
        services.wish_complete(actor=other.user, wish=w, note="x", hours="1", photo=photo())
    assert refused.value.status == 403
    assert Wish.objects.get(pk=w.pk).status == WishStatus.CLAIMED


# --- the same loop through HTTP ----------------------------------------------------------


def test_the_loop_through_the_pages(client, organiser, make_member, gridworker):
    member = make_member("m-pages")
    response = client.post(
        "/wishes/",
        {
            "grid": GRID[:12],
            "title": "想请人帮忙换灯泡",
            "name": "和丽",
            "phone": "13900002222",
            "idempotency_key": "k1",
        },
    )
    assert response.status_code == 303
    w = Wish.objects.get(title="想请人帮忙换灯泡")
    assert response["Location"] == f"/wishes/{w.tracking_code}/"
    # The same form sent twice (a double tap) files one wish.
    client.post("/wishes/", {"grid": GRID[:12], "title": "想请人帮忙换灯泡", "idempotency_key": "k1"})
    assert Wish.objects.filter(title="想请人帮忙换灯泡").count() == 1

    client.force_login(organiser)
    assert client.post(f"/party/wishes/{w.number}/", {"action": "dispatch", "member": member.pk}).status_code == 302
    assert Wish.objects.get(pk=w.pk).status == WishStatus.DISPATCHED

    client.force_login(member.user)
    assert client.get("/party/m/").status_code == 200
    assert client.post(f"/party/m/wishes/{w.number}/", {"action": "claim"}).status_code == 302
    response = client.post(
        f"/party/m/wishes/{w.number}/", {"action": "complete", "note": "换好了", "hours": "1.5", "photo": photo()}
    )
    assert response.status_code == 302
    assert Wish.objects.get(pk=w.pk).status == WishStatus.COMPLETED

    client.logout()
    page = client.get(f"/wishes/{w.tracking_code}/")
    assert page.status_code == 200 and b'id="confirm-form"' in page.content
    assert b"13900002222" not in page.content
    assert client.get(f"/wishes/{w.tracking_code}/photo/").status_code == 200
    assert client.post(f"/wishes/{w.tracking_code}/", {"rating": "5", "comment": "很好"}).status_code == 303
    assert client.post(f"/wishes/{w.tracking_code}/", {"rating": "5"}).status_code == 409
    w.refresh_from_db()
    assert (w.status, w.rating) == (WishStatus.CONFIRMED, 5)
    assert PartyMember.objects.get(pk=member.pk).hours == Decimal("1.5")
    assert ServiceRecord.objects.filter(wish=w).count() == 1


def test_the_loop_through_the_api(client, organiser, make_member, gridworker):
    member = make_member("m-api")
    client.force_login(gridworker)
    response = client.post(
        "/api/v1/party/wishes/", {"title": "代买药品", "grid": GRID}, content_type="application/json"
    )
    assert response.status_code == 201
    number = response.json()["number"]

    client.force_login(member.user)
    assert client.post(f"/api/v1/party/wishes/{number}/actions/", {"action": "claim"}).json()["status"] == "claimed"
    again = client.post(f"/api/v1/party/wishes/{number}/actions/", {"action": "claim"})
    assert again.status_code == 409
    bad_hours = client.post(
        f"/api/v1/party/wishes/{number}/actions/", {"action": "complete", "note": "x", "hours": "-2", "photo": photo()}
    )
    assert bad_hours.status_code == 400 and bad_hours.json()["field"] == "hours"
    done = client.post(
        f"/api/v1/party/wishes/{number}/actions/",
        {"action": "complete", "note": "送到了", "hours": "1", "photo": photo()},
    )
    assert done.status_code == 200 and done.json()["status"] == "completed"

    client.force_login(gridworker)
    confirmed = client.post(
        f"/api/v1/party/wishes/{number}/actions/", {"action": "confirm", "rating": 5}, content_type="application/json"
    )
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    assert PartyMember.objects.get(pk=member.pk).hours == Decimal("1")

    client.force_login(organiser)
    listed = client.get("/api/v1/party/wishes/?status=confirmed").json()
    assert [w["number"] for w in listed["results"]] == [number]


def test_the_public_form_offers_only_communities_someone_serves(client, make_member, tree):
    make_member("m-served")  # lives in 新华社区 第1网格, branch of 新华社区
    page = client.get("/wishes/").content.decode()
    offered = set(re.findall(r'<option value="(\d{12})"', page))
    assert "530702002001" in offered  # 新华社区: its member can take the wish on
    assert "530702001001" not in offered  # 西安街道's communities: no member, no unit
    assert 'id="wish-grid-hint"' in page
    response = client.post("/wishes/", {"grid": "530702001001", "title": "帮忙修水龙头", "phone": "13800001111"})
    assert response.status_code == 400 and not Wish.objects.exists()


def test_a_member_of_the_township_committee_serves_every_community_of_it(client, make_member, tree):
    make_member("m-top", org=tree["top"], home="530702002001001")
    offered = set(re.findall(r'<option value="(\d{12})"', client.get("/wishes/").content.decode()))
    assert {"530702002001", "530702002002"} <= offered  # the committee's scope is the whole 大研街道
    assert not any(code.startswith("530702001") for code in offered)
