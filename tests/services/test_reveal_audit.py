"""The proxy resident's phone: each reveal on the worker's phone page is one row of the
personal-data audit trail (govgrid.audit) besides the request's own log; a refused one, none."""

import pytest

from govgrid.models import PersonalDataAccess
from services.services import proxy_request_create, proxy_transition
from tests.conftest import seat
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PHONE = "13912345678"


def test_a_reveal_on_the_phone_page_is_one_audit_row(client, home, gridworker):
    request = proxy_request_create(item="MZ004", phone=PHONE, point=home)
    client.force_login(gridworker)
    assert PHONE.encode() in client.post(f"/m/proxy/{request.code}/act/", {"action": "reveal_phone"}).content
    row = PersonalDataAccess.objects.get()
    assert (row.actor, row.username, row.kind, row.label, row.grid_code, row.record) == (
        gridworker,
        "w-xinhua",
        PersonalDataAccess.Kind.PROXY_RESIDENT_PHONE,
        request.code,
        "530702002001001",
        request,
    )
    assert request.log.filter(action="reveal_phone", actor=gridworker).count() == 1


def test_refused_reveals_write_nothing(client, home, gridworker, other_worker):
    request = proxy_request_create(item="MZ004", phone=PHONE, point=home)
    proxy_transition(request=request, action="accept", actor=gridworker)
    colleague = seat(UserFactory(username="w-xinhua-2", roles=["grid_worker"]), request.grid.code, "full_time")
    client.force_login(colleague)  # sees the task on their grid, but it is another worker's now
    refused = client.post(f"/m/proxy/{request.code}/act/", {"action": "reveal_phone"})
    assert refused.status_code == 404 and b'id="action-error"' in refused.content  # the page, with the refusal
    assert PHONE.encode() not in refused.content
    client.force_login(other_worker)  # another township: not there at all
    assert client.post(f"/m/proxy/{request.code}/act/", {"action": "reveal_phone"}).status_code == 404
    assert not PersonalDataAccess.objects.exists()
    assert not request.log.filter(action="reveal_phone").exists()
