"""The hash-chained case log: intact after a full loop, and every kind of tampering is found by
`chain_problems` and by `manage.py verify_event_log`, naming the case."""

import io

import pytest
from django.core.management import CommandError, call_command

from events.logchain import chain_problems
from events.models import Event, EventLog
from events.services import callback_record, event_transition, reporter_phone_reveal

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


def verify(*args) -> str:
    out = io.StringIO()
    call_command("verify_event_log", *args, stdout=out)
    return out.getvalue()


def verify_fails(*args) -> tuple[str, str]:
    out = io.StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("verify_event_log", *args, stdout=out)
    return str(excinfo.value), out.getvalue()


@pytest.fixture
def loop(case_in, center):
    """A hotline case through the whole loop, rated, with a callback and a phone reveal: 9 rows."""
    event = case_in("closed", source="hotline", phone="13912345678")
    reporter_phone_reveal(event=event, actor=center)
    callback_record(event=event, actor=center, reached=True, satisfaction=5, note="满意")
    event = event_transition(event=event, action="rate", actor=center, satisfaction=5)
    assert list(event.log.order_by("seq").values_list("action", flat=True)) == [
        "report",
        "accept",
        "dispatch",
        "claim",
        "resolve",
        "close",
        "reveal_phone",
        "callback",
        "rate",
    ]
    return event


def test_the_chain_is_intact_after_a_full_loop(loop, case_in):
    other = case_in("rejected")
    assert chain_problems() == []
    assert "Case logs intact (2 cases)" in verify()
    assert "Case logs intact (1 cases)" in verify("--number", loop.number)
    rows = list(loop.log.order_by("seq"))
    assert [r.seq for r in rows] == list(range(1, 10))
    assert rows[0].prev_hash == "" and all(b.prev_hash == a.hash for a, b in zip(rows, rows[1:], strict=False))
    assert Event.objects.get(pk=loop.pk).log_head == rows[-1].hash
    assert len({r.hash for r in rows} | {r.hash for r in other.log.all()}) == 9 + other.log.count()


def middle(event) -> EventLog:
    return event.log.get(seq=4)


TAMPERING = {
    "edit a note": (
        lambda e: EventLog.objects.filter(pk=middle(e).pk).update(note="其实没有处理"),
        ["#4: content does not match its hash (edited)"],
    ),
    "edit data": (
        lambda e: EventLog.objects.filter(event=e, action="rate").update(data={"satisfaction": 1}),
        ["#9: content does not match its hash (edited)"],
    ),
    "edit a status": (
        lambda e: EventLog.objects.filter(pk=middle(e).pk).update(to_status="closed"),
        ["#4: content does not match its hash (edited)"],
    ),
    "edit who acted": (
        lambda e: EventLog.objects.filter(pk=middle(e).pk).update(actor_label="别人"),
        ["#4: content does not match its hash (edited)"],
    ),
    "delete the newest row": (
        lambda e: e.log.order_by("-seq").first().delete(),
        ["the newest log row is missing or was changed"],
    ),
    "delete a middle row": (
        lambda e: middle(e).delete(),
        ["#5: expected row #4 (a row was deleted)", "#5: does not follow the previous row"],
    ),
    "change the log head": (
        lambda e: Event.objects.filter(pk=e.pk).update(log_head="0" * 64),
        ["the newest log row is missing or was changed"],
    ),
    "delete every row": (lambda e: e.log.all().delete(), ["its log has been deleted"]),
    "renumber rows": (
        lambda e: EventLog.objects.filter(pk=middle(e).pk).update(seq=40),
        ["#5: expected row #4 (a row was deleted)"],
    ),
}


@pytest.mark.parametrize("tamper", TAMPERING)
def test_tampering_is_detected_and_names_the_case(loop, case_in, tamper):
    untouched = case_in("closed")
    change, expected = TAMPERING[tamper]
    change(loop)

    problems = chain_problems()
    assert problems, tamper
    assert all(p.startswith(f"{loop.number}") for p in problems), problems
    for fragment in expected:
        assert any(fragment in p for p in problems), (fragment, problems)

    message, output = verify_fails()
    assert message == f"{len(problems)} problem(s) in case logs."
    assert output.splitlines() == problems
    assert untouched.number not in output
    verify_fails("--number", loop.number)
    assert "Case logs intact (1 cases)" in verify("--number", untouched.number)


def test_a_row_inserted_outside_the_services_is_detected(loop):
    newest = loop.log.order_by("-seq").first()
    EventLog.objects.create(
        event=loop,
        seq=newest.seq + 1,
        action="close",
        from_status="closed",
        to_status="closed",
        note="伪造",
        created_at=newest.created_at,
        prev_hash=newest.hash,
        hash="f" * 64,
    )
    problems = chain_problems()
    assert f"{loop.number} #10: content does not match its hash (edited)" in problems
    assert f"{loop.number}: the newest log row is missing or was changed" in problems
    verify_fails()


def test_deleting_an_account_is_not_tampering(loop, department):
    """`EventLog.actor` is SET_NULL and `actor_label` keeps the name: a log outlives its actors' accounts."""
    name = department.clerk.get_full_name()
    department.clerk.delete()
    assert list(loop.log.filter(action__in=["claim", "resolve"]).values_list("actor", "actor_label")) == [
        (None, name),
        (None, name),
    ]
    assert chain_problems() == []
    assert "Case logs intact (1 cases)" in verify()
