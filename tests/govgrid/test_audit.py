"""The personal-data audit trail: the recording function, append-only rows, and the read-only
admin list. Each app's reveal writing its row is tested beside the app (test_reveal_audit.py)."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from govgrid.audit import PersonalData, personal_data_reveal_record
from govgrid.models import PersonalDataAccess
from grids.models import Grid
from tests.factories import UserFactory

GRID = "530702002001001"
LIST = "/admin/govgrid/personaldataaccess/"


def reveal(actor, kind=PersonalData.CASE_REPORTER_PHONE, label="20250301-0007", code=GRID):
    grid = Grid.objects.get(code=code)
    return personal_data_reveal_record(actor=actor, kind=kind, obj=grid, label=label, grid_code=code)


@pytest.mark.django_db
def test_rows_are_append_only_and_outlive_the_account():
    clerk = UserFactory(username="audit-clerk")
    row = reveal(clerk)
    row.label = "changed"
    with pytest.raises(TypeError):
        row.save()
    with pytest.raises(TypeError):
        row.delete()
    with pytest.raises(TypeError):
        PersonalDataAccess.objects.filter(pk=row.pk).update(label="changed")
    with pytest.raises(TypeError):
        PersonalDataAccess.objects.all().delete()
    clerk.delete()
    row = PersonalDataAccess.objects.get()
    assert (row.actor, row.username, row.label) == (None, "audit-clerk", "20250301-0007")


@pytest.mark.django_db
def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        reveal(UserFactory(username="audit-kind"), kind="id_number")
    assert not PersonalDataAccess.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_recording_outside_a_transaction_is_refused():
    """Outside a transaction the row could outlive a reveal that failed: the function refuses."""
    user = UserFactory(username="audit-autocommit")
    with pytest.raises(transaction.TransactionManagementError):
        personal_data_reveal_record(actor=user, kind=PersonalData.PARTY_MEMBER_PHONE, obj=user, label="x")
    assert not PersonalDataAccess.objects.exists()


@pytest.mark.django_db
def test_the_admin_list_is_newest_first_searchable_and_filterable(admin_client):
    first = reveal(UserFactory(username="audit-a"), label="20250301-0007")
    second = reveal(UserFactory(username="audit-b"), kind=PersonalData.WISH_RESIDENT_PHONE, label="W202503010002")
    old = PersonalDataAccess.objects.create(
        username="audit-gone", kind=PersonalData.PROXY_RESIDENT_PHONE, label="P1", at=first.at - timedelta(days=3)
    )
    page = admin_client.get(LIST)
    assert page.status_code == 200
    assert list(page.context["cl"].result_list) == [second, first, old]
    html = page.content.decode()
    assert f'href="/admin/grids/grid/{first.object_id}/change/"' in html  # the label links to the record

    def listed(**params):
        return [r.pk for r in admin_client.get(LIST, params).context["cl"].result_list]

    assert listed(q="audit-a") == [first.pk]
    assert listed(q="W2025") == [second.pk]
    assert listed(kind__exact=PersonalData.WISH_RESIDENT_PHONE) == [second.pk]
    day = timezone.localdate(first.at)
    assert listed(at__year=day.year, at__month=day.month, at__day=day.day) == [second.pk, first.pk]
    cl = page.context["cl"]
    dates = next(spec for spec in cl.filter_specs if spec.field_path == "at")
    today = next(choice for choice in dates.choices(cl) if choice["display"] == dates.links[1][0])
    assert [r.pk for r in admin_client.get(LIST + today["query_string"]).context["cl"].result_list] == [
        second.pk,
        first.pk,
    ]
    assert admin_client.get(f"{LIST}{old.pk}/change/").status_code == 200  # a read-only view, no account left


@pytest.mark.django_db
def test_nobody_adds_changes_or_deletes_through_the_admin(admin_client):
    row = reveal(UserFactory(username="audit-c"))
    assert admin_client.get(f"{LIST}add/").status_code == 403
    assert admin_client.post(f"{LIST}add/", {"username": "x", "kind": "case_reporter_phone"}).status_code == 403
    assert admin_client.get(f"{LIST}{row.pk}/delete/").status_code == 403
    assert admin_client.post(f"{LIST}{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin_client.post(f"{LIST}{row.pk}/change/", {"label": "changed"}).status_code == 403
    bulk = admin_client.post(LIST, {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"})
    assert bulk.status_code == 200  # no actions: the list is shown again, nothing happens
    assert PersonalDataAccess.objects.get().label == "20250301-0007"


@pytest.mark.django_db
def test_the_admin_role_may_read_the_list_and_others_may_not(client):
    officer = UserFactory(username="audit-officer", roles=["admin"], is_staff=True)
    client.force_login(officer)
    assert client.get(LIST).status_code == 200
    assert client.get(f"{LIST}add/").status_code == 403
    staff = UserFactory(username="audit-staff", roles=["command_center"], is_staff=True)
    client.force_login(staff)
    assert client.get(LIST).status_code == 403
