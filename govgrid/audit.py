"""The audit trail of personal data: every reveal of a resident's or party member's whole phone
number is recorded here, whichever app reveals it (see `PersonalDataAccess`).

The apps' reveal functions check the actor first and call `personal_data_reveal_record` only
when they hand out a whole value, inside their own transaction: a refused reveal writes nothing,
and a reveal whose transaction rolls back leaves no row either.
"""

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from .models import PersonalDataAccess

PersonalData = PersonalDataAccess.Kind  # what was shown: the four kinds of reveal


def personal_data_reveal_record(*, actor, kind: str, obj, label: str, grid_code: str = "") -> PersonalDataAccess:
    """Record that `actor` was shown `kind` of data held on `obj` (a case, member, wish, proxy
    request). `label` names the record for a reader (a case number, a masked name), never the
    data itself. Call it inside the reveal's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError("Record a reveal inside the reveal's transaction.")
    return PersonalDataAccess.objects.create(
        actor=actor,
        username=actor.get_username(),
        kind=PersonalData(kind),
        label=str(label)[:100],
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        grid_code=grid_code or "",
    )
