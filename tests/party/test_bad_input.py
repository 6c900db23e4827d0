"""Bad input is refused with a clear message and leaves nothing half-saved."""

from datetime import timedelta

import pytest
from django.utils import timezone

from party import services
from party.choices import WishStatus
from party.models import PartyMember, ServiceRecord, Wish
from party.services import PartyError

from .conftest import GRID, id_number, photo

pytestmark = pytest.mark.django_db


def test_a_member_cannot_be_in_two_organisations(make_member, tree):
    make_member("m-twice", id_number=id_number(77))
    with pytest.raises(PartyError) as refused:
        make_member("m-twice-2", org=tree["xinyi_branch"], home="530702002002001", id_number=id_number(77))
    assert refused.value.status == 409 and "新华第1网格党支部" in refused.value.message
    assert PartyMember.objects.count() == 1


@pytest.mark.parametrize("hours", ["-1", "0", "0.2", "25", "1000", "1.25", "abc", "NaN", "Infinity", ""])
def test_negative_or_absurd_hours_are_refused(make_member, wish, hours, organiser):
    member = make_member("m-hours")
    w = services.wish_claim(actor=member.user, wish=wish())
    with pytest.raises(PartyError) as refused:
        services.wish_complete(actor=member.user, wish=w, note="好了", hours=hours, photo=photo())
    assert refused.value.field == "hours"
    assert Wish.objects.get(pk=w.pk).status == WishStatus.CLAIMED
    with pytest.raises(PartyError):
        services.record_add(actor=organiser, member=member, hours=hours, on=timezone.localdate(), note="x")
    assert not ServiceRecord.objects.exists() and PartyMember.objects.get(pk=member.pk).hours == 0


def test_hours_on_a_future_date_are_refused(organiser, make_member):
    member = make_member("m-future")
    with pytest.raises(PartyError):
        services.record_add(
            actor=organiser, member=member, hours="2", on=timezone.localdate() + timedelta(days=1), note="x"
        )


def test_completing_without_a_photo_or_with_a_fake_one_is_refused(make_member, wish):
    from django.core.files.uploadedfile import SimpleUploadedFile

    member = make_member("m-photo")
    w = services.wish_claim(actor=member.user, wish=wish())
    for bad in (None, SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")):
        with pytest.raises(PartyError) as refused:
            services.wish_complete(actor=member.user, wish=w, note="好了", hours="1", photo=bad)
        assert refused.value.field == "photo"
    stored = Wish.objects.get(pk=w.pk)
    assert stored.status == WishStatus.CLAIMED and not stored.completion_photo


@pytest.mark.parametrize(
    "data",
    [
        {"title": "", "grid": GRID[:12]},
        {"title": "x" * 101, "grid": GRID[:12]},
        {"title": "ok", "grid": "530702"},
        {"title": "ok", "grid": "nonsense"},
        {"title": "ok", "grid": GRID[:12], "phone": "not-a-phone"},
    ],
)
def test_the_public_form_refuses_bad_wishes(client, data):
    response = client.post("/wishes/", data)
    assert response.status_code == 400 and b'id="wish-error"' in response.content
    assert not Wish.objects.exists()


def test_a_wish_cannot_be_confirmed_before_it_is_done_nor_rated_out_of_range(gridworker, wish, client):
    w = wish()
    with pytest.raises(PartyError) as early:
        services.wish_confirm(actor=gridworker, wish=w, rating=5)
    assert early.value.status == 409
    with pytest.raises(PartyError) as out_of_range:
        services.wish_confirm(actor=gridworker, wish=w, rating=9)
    assert out_of_range.value.field == "rating"
    assert client.post(f"/wishes/{w.tracking_code}/", {"rating": "x"}).status_code == 400
    assert Wish.objects.get(pk=w.pk).status == WishStatus.POSTED


def test_unknown_tracking_codes_and_numbers_are_404(client, organiser):
    assert client.get("/wishes/NOSUCHCODE/").status_code == 404
    client.force_login(organiser)
    assert client.get("/party/wishes/W20991231999/").status_code == 404
    assert client.get("/api/v1/party/wishes/W20991231999/").status_code == 404
    assert client.get("/party/members/99999/").status_code == 404
    assert client.get("/api/v1/party/wishes/?grid=abc").status_code == 400
    assert client.get("/api/v1/party/evaluations/?year=abc").status_code == 400


def test_api_actions_with_bad_details_answer_4xx(client, organiser, make_member, wish):
    member = make_member("m-bad-api")
    w = wish()
    client.force_login(organiser)
    url = f"/api/v1/party/wishes/{w.number}/actions/"
    assert client.post(url, {"action": "fly"}).status_code == 400
    assert client.post(url, {"action": "dispatch"}).status_code == 400
    assert client.post(url, {"action": "dispatch", "member": 99999}).status_code == 400
    assert client.post(url, {"action": "dispatch", "member": "x"}).status_code == 400
    assert client.post(url, {"action": "claim"}).status_code == 403  # not on a roster
    assert client.post(url, {"action": "cancel", "reason": ""}).status_code == 400
    assert Wish.objects.get(pk=w.pk).status == WishStatus.POSTED
    assert client.post(url, {"action": "dispatch", "member": member.pk}).status_code == 200


def test_an_activity_that_ends_before_it_starts_or_with_absurd_hours_is_refused(organiser, tree):
    start = timezone.now() + timedelta(days=1)
    for ends, hours in (
        (start - timedelta(hours=1), "2"),
        (start + timedelta(hours=2), "-3"),
        (start + timedelta(hours=2), "99"),
    ):
        with pytest.raises(PartyError):
            services.activity_create(
                actor=organiser,
                title="主题党日",
                kind="theme_day",
                community=tree["xinhua"].grid,
                starts_at=start,
                ends_at=ends,
                hours=hours,
            )
    from party.models import Activity

    assert not Activity.objects.exists()
