"""Two members claiming the same wish: exactly one wins. Sequentially on any database; at the same
instant from two threads on PostgreSQL (the conditional UPDATE waits for the first transaction's
row lock, then finds the wish taken)."""

import threading

import pytest
from django.db import connection

from party import services
from party.choices import WishStatus
from party.models import Wish, WishLog
from party.services import PartyError
from tests.conftest import import_county

from .conftest import GRID


@pytest.mark.django_db
def test_a_second_claim_is_refused_and_changes_nothing(make_member, wish):
    first, second = make_member("m-first"), make_member("m-second")
    w = wish()
    services.wish_claim(actor=first.user, wish=w)
    with pytest.raises(PartyError) as refused:
        services.wish_claim(actor=second.user, wish=w)
    assert refused.value.status == 409
    stored = Wish.objects.get(pk=w.pk)
    assert (stored.status, stored.assignee_member_id) == (WishStatus.CLAIMED, first.pk)
    assert WishLog.objects.filter(wish=w, action="claim").count() == 1


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_two_members_claiming_at_once_exactly_one_wins(eager_celery):
    assert connection.vendor == "postgresql"
    import_county("530702")
    from grids.models import Grid
    from party.choices import OrgKind
    from tests.factories import UserFactory

    from .conftest import id_number

    top = services.org_create(
        actor=None, name="大研街道党工委", kind=OrgKind.WORKING_COMMITTEE, grid=Grid.objects.get(code="530702002")
    )
    org = services.org_create(
        actor=None, name="支部", kind=OrgKind.BRANCH, parent=top, grid=Grid.objects.get(code=GRID)
    )
    members = [
        services.member_create(
            actor=None,
            name=f"党员{i}",
            org=org,
            home_grid=Grid.objects.get(code=GRID),
            id_number=id_number(500 + i),
            user=UserFactory(username=f"race-{i}", roles=[]),
        )
        for i in range(2)
    ]
    for round_ in range(5):
        wish = services.wish_post(actor=None, title=f"心愿{round_}", grid=Grid.objects.get(code=GRID))
        won, refused, errors = race(wish, members)
        assert errors == [] and len(won) == 1 and refused == [409]
        stored = Wish.objects.get(pk=wish.pk)
        assert (stored.status, stored.assignee_member_id) == (WishStatus.CLAIMED, won[0])
        assert WishLog.objects.filter(wish=wish, action="claim").count() == 1


def race(wish, members):
    """Each member claims the wish from their own thread, released at the same instant."""
    barrier = threading.Barrier(len(members), timeout=30)
    won, refused, errors = [], [], []

    def claim(member):
        try:
            barrier.wait()
            services.wish_claim(actor=member.user, wish=wish)
            won.append(member.pk)
        except PartyError as exc:
            refused.append(exc.status)
        except Exception as exc:  # reported by the caller: a thread's exception would otherwise vanish
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(m,)) for m in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return won, refused, errors
