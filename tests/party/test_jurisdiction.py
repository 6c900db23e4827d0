"""Everyone sees only their jurisdiction: organisers of another township get 404s and empty
lists, members see the wishes of the communities they serve, phones are masked except for party
organisers of the member's jurisdiction."""

import pytest

from party import services
from party.choices import WishStatus
from party.models import Wish
from party.services import PartyError
from tests.conftest import seat
from tests.factories import UserFactory

from .conftest import GRID, OTHER_COMMUNITY, OTHER_TOWNSHIP, grid

pytestmark = pytest.mark.django_db


def test_an_organiser_of_another_township_sees_nothing(client, other_organiser, make_member, wish):
    member = make_member("m-juris")
    w = wish()
    client.force_login(other_organiser)
    assert client.get(f"/party/wishes/{w.number}/").status_code == 404
    assert client.post(f"/party/wishes/{w.number}/", {"action": "dispatch", "member": member.pk}).status_code == 404
    assert client.get(f"/party/members/{member.pk}/").status_code == 404
    assert client.get("/api/v1/party/wishes/").json()["count"] == 0
    assert client.get("/api/v1/party/members/").json()["count"] == 0
    assert client.get("/api/v1/party/orgs/").json()["count"] == 0
    assert client.get(f"/api/v1/party/wishes/{w.number}/").status_code == 404
    with pytest.raises(PartyError) as refused:
        services.wish_dispatch(actor=other_organiser, wish=w, member=member)
    assert refused.value.status == 404
    assert Wish.objects.get(pk=w.pk).status == WishStatus.POSTED


def test_an_organiser_sees_their_township(client, organiser, make_member, wish):
    make_member("m-seen")
    wish()
    client.force_login(organiser)
    assert client.get("/api/v1/party/wishes/").json()["count"] == 1
    assert client.get("/api/v1/party/members/").json()["count"] == 1
    assert client.get("/api/v1/party/orgs/").json()["count"] == 5


def test_a_member_cannot_claim_a_wish_outside_their_community(make_member, wish, tree):
    member = make_member("m-xinhua")
    w = wish(grid=grid(OTHER_COMMUNITY + "001"))
    with pytest.raises(PartyError) as refused:
        services.wish_claim(actor=member.user, wish=w)
    assert refused.value.status == 404
    assert Wish.objects.get(pk=w.pk).status == WishStatus.POSTED


def test_dispatch_to_a_member_of_another_community_is_refused(organiser, make_member, wish, tree):
    xinyi_member = make_member("m-xinyi", org=tree["xinyi_branch"], home=OTHER_COMMUNITY + "001")
    with pytest.raises(PartyError) as refused:
        services.wish_dispatch(actor=organiser, wish=wish(), member=xinyi_member)
    assert refused.value.field == "member"


def test_a_grid_worker_cannot_post_a_wish_outside_their_grid(gridworker):
    with pytest.raises(PartyError) as refused:
        services.wish_post(actor=gridworker, title="x", grid=grid(OTHER_COMMUNITY))
    assert refused.value.status == 404
    assert not Wish.objects.exists()


def test_an_organiser_cannot_build_outside_their_jurisdiction(other_organiser, tree):
    with pytest.raises(PartyError) as refused:
        services.org_create(
            actor=other_organiser, name="越界支部", kind="branch", parent=tree["xinhua"], grid=grid(GRID)
        )
    assert refused.value.status == 404


def test_a_member_sees_wishes_of_their_community_only(client, make_member, wish, tree):
    member = make_member("m-sees")
    mine, elsewhere = wish(), wish(grid=grid(OTHER_COMMUNITY + "001"))
    client.force_login(member.user)
    numbers = [w["number"] for w in client.get("/api/v1/party/wishes/").json()["results"]]
    assert numbers == [mine.number]
    assert client.get(f"/party/m/wishes/{elsewhere.number}/").status_code == 404


def test_phones_are_whole_only_for_organisers_of_the_jurisdiction(client, organiser, gridworker, make_member):
    member = make_member("m-phone", phone="13912345678")
    assert member.phone_masked == "139****5678" and "13912345678" not in member.phone_encrypted
    client.force_login(organiser)
    assert b"13912345678" not in client.get(f"/party/members/{member.pk}/").content  # masked until asked
    page = client.post(f"/party/members/{member.pk}/", {"action": "reveal_phone"})
    assert b"13912345678" in page.content
    listed = client.get("/api/v1/party/members/").json()["results"][0]
    assert listed["phone"] == "139****5678" and "*" in listed["id_number"]

    client.force_login(gridworker)
    listed = client.get("/api/v1/party/members/").json()["results"][0]
    assert listed["phone"] == "139****5678"
    assert client.get(f"/party/members/{member.pk}/").status_code == 403  # organiser pages only

    county_worker = seat(UserFactory(username="xian-worker", roles=["grid_worker"]), OTHER_TOWNSHIP, "full_time")
    client.force_login(county_worker)
    assert client.get("/api/v1/party/members/").json()["count"] == 0
    assert services.member_phone_reveal(member=member, actor=county_worker) == "139****5678"


def test_the_id_number_is_kept_only_as_a_keyed_hash(make_member):
    from .conftest import id_number

    number = id_number(42)
    member = make_member("m-id", id_number=number)
    member.refresh_from_db()
    assert member.id_hash == services.id_hash(number) and len(member.id_hash) == 64
    assert number not in member.id_hash and member.id_masked == number[:4] + "*" * 10 + number[-4:]
