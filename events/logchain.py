"""Checking the hash chains of case logs (what `manage.py verify_event_log` runs)."""

from .models import Event, EventLog
from .services import log_hash


def chain_problems(*, events=None) -> list[str]:
    """Every case whose log was edited, deleted, reordered or extended outside the services."""
    problems = []
    events = events if events is not None else Event.objects.all()
    heads = dict(events.values_list("pk", "log_head"))
    numbers = dict(events.values_list("pk", "number"))
    rows = EventLog.objects.filter(event_id__in=heads.keys()).order_by("event_id", "seq").iterator(chunk_size=5000)
    current, prev, expected_seq = None, "", 1

    def finish(event_id, last_hash):
        if heads[event_id] != last_hash:
            problems.append(f"{numbers[event_id]}: the newest log row is missing or was changed")

    seen = set()
    for row in rows:
        if row.event_id != current:
            if current is not None:
                finish(current, prev)
            current, prev, expected_seq = row.event_id, "", 1
            seen.add(current)
        where = f"{numbers[row.event_id]} #{row.seq}"
        if row.seq != expected_seq:
            problems.append(f"{where}: expected row #{expected_seq} (a row was deleted)")
        if row.prev_hash != prev:
            problems.append(f"{where}: does not follow the previous row")
        digest = log_hash(
            event_id=row.event_id,
            seq=row.seq,
            action=row.action,
            from_status=row.from_status,
            to_status=row.to_status,
            actor_ref=row.actor_ref,
            actor_label=row.actor_label,
            note=row.note,
            data=row.data,
            created_at=row.created_at,
            prev_hash=row.prev_hash,
        )
        if row.actor_id is not None and row.actor_id != row.actor_ref:
            problems.append(f"{where}: credited to another account")
        if digest != row.hash:
            problems.append(f"{where}: content does not match its hash (edited)")
        prev, expected_seq = row.hash, row.seq + 1
    if current is not None:
        finish(current, prev)
    for event_id in set(heads) - seen:
        if heads[event_id]:
            problems.append(f"{numbers[event_id]}: its log has been deleted")
    return problems
