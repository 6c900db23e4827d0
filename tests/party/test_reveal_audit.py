"""Members' and wish residents' phones: each reveal is one row of the personal-data audit trail
(govgrid.audit); a refused reveal, or one that returns the masked number, leaves none."""

import pytest

from govgrid.models import PersonalDataAccess
from party import services
from party.models import Wish
from party.services import PartyError

from .conftest import GRID

pytestmark = pytest.mark.django_db
Kind = PersonalDataAccess.Kind


def test_the_member_page_masks_the_phone_until_asked_and_records_each_reveal(client, organiser, make_member):
    member = make_member("m-audit", name="和志强", phone="13912345678")
    client.force_login(organiser)
    page = client.get(f"/party/members/{member.pk}/").content
    assert b"13912345678" not in page and b"139****5678" in page and b'value="reveal_phone"' in page
    assert not PersonalDataAccess.objects.exists()  # looking at the page reveals nothing
    shown = client.post(f"/party/members/{member.pk}/", {"action": "reveal_phone"})
    assert shown.status_code == 200 and b'href="tel:13912345678"' in shown.content
    row = PersonalDataAccess.objects.get()
    assert (row.actor, row.username, row.kind, row.label, row.grid_code) == (
        organiser,
        "dayan-party",
        Kind.PARTY_MEMBER_PHONE,
        "和**",
        GRID,
    )
    assert row.record == member
    client.post(f"/party/members/{member.pk}/", {"action": "reveal_phone"})
    assert PersonalDataAccess.objects.count() == 2


def test_masked_or_refused_member_phones_are_not_recorded(client, gridworker, other_organiser, make_member):
    member = make_member("m-masked", phone="13912345678")
    client.force_login(gridworker)
    assert client.get(f"/party/members/{member.pk}/").status_code == 403  # organiser pages only
    assert services.member_phone_reveal(member=member, actor=other_organiser) == "139****5678"
    assert not PersonalDataAccess.objects.exists()


def test_a_member_without_a_phone_reveals_nothing_to_record(client, organiser, make_member):
    member = make_member("m-nophone", phone="")
    client.force_login(organiser)
    assert client.get(f"/party/members/{member.pk}/").status_code == 200
    assert not PersonalDataAccess.objects.exists()


def test_a_wish_resident_phone_reveal_is_one_row(client, organiser, wish):
    w = wish()
    client.force_login(organiser)
    response = client.post(f"/party/wishes/{w.number}/", {"action": "reveal_phone"}, follow=True)
    assert "13800001111" in response.content.decode()
    row = PersonalDataAccess.objects.get()
    assert (row.actor, row.kind, row.label, row.grid_code, row.record) == (
        organiser,
        Kind.WISH_RESIDENT_PHONE,
        w.number,
        GRID,
        w,
    )


def test_the_member_holding_the_wish_may_reveal_others_may_not(organiser, make_member, wish):
    holder, other = make_member("m-holder"), make_member("m-other")
    w = services.wish_dispatch(actor=organiser, wish=wish(), member=holder)
    with pytest.raises(PartyError) as excinfo:
        services.resident_phone_reveal(wish=w, actor=other.user)
    assert excinfo.value.status == 404 and not PersonalDataAccess.objects.exists()
    assert services.resident_phone_reveal(wish=w, actor=holder.user) == "13800001111"
    assert list(PersonalDataAccess.objects.values_list("username", "kind", "label")) == [
        ("m-holder", Kind.WISH_RESIDENT_PHONE, w.number)
    ]


def test_a_refused_wish_reveal_writes_nothing(client, other_organiser, wish):
    w = wish()
    client.force_login(other_organiser)
    assert client.post(f"/party/wishes/{w.number}/", {"action": "reveal_phone"}).status_code == 404
    assert not PersonalDataAccess.objects.exists()


def test_the_member_holding_the_wish_reveals_the_phone_on_the_phone_page(client, organiser, make_member, wish):
    holder, other = make_member("m-holder"), make_member("m-other")
    w = services.wish_dispatch(actor=organiser, wish=wish(address="新华街 12 号 3 单元 201"), member=holder)
    services.wish_claim(actor=holder.user, wish=w)
    client.force_login(holder.user)
    page = client.get(f"/party/m/wishes/{w.number}/").content.decode()
    assert "13800001111" not in page and "138****1111" in page and 'value="reveal_phone"' in page
    assert "新华街 12 号 3 单元 201" in page  # where to go
    assert not PersonalDataAccess.objects.exists()
    shown = client.post(f"/party/m/wishes/{w.number}/", {"action": "reveal_phone"})
    assert shown.status_code == 200 and 'href="tel:13800001111"' in shown.content.decode()
    assert list(PersonalDataAccess.objects.values_list("username", "kind", "label")) == [
        ("m-holder", Kind.WISH_RESIDENT_PHONE, w.number)
    ]
    client.force_login(other.user)  # a member who does not hold it: no button, no number, no address
    page = client.get(f"/party/m/wishes/{w.number}/").content.decode()
    assert 'value="reveal_phone"' not in page and "新华街" not in page
    refused = client.post(f"/party/m/wishes/{w.number}/", {"action": "reveal_phone"}, follow=True)
    assert "13800001111" not in refused.content.decode() and PersonalDataAccess.objects.count() == 1


def test_the_public_form_takes_an_address_the_tracking_page_does_not_show(client, make_member):
    make_member("m-here")  # someone serves 新华社区
    page = client.get("/wishes/").content.decode()
    assert 'name="address"' in page
    response = client.post(
        "/wishes/",
        {"grid": "530702002001", "title": "买药", "name": "木秀英", "phone": "13800001111", "address": "新华街 5 号"},
    )
    assert response.status_code == 303
    w = Wish.objects.get()
    assert w.resident_address == "新华街 5 号"
    assert "新华街 5 号" not in client.get(response["Location"]).content.decode()
