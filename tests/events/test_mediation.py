import pytest

from events.services import EventError, event_transition, mediation_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def dispute(report, center):
    event = report(category="0901", description="邻里漏水纠纷")
    return event_transition(event=event, action="accept", actor=center)


def test_mediation_goes_level_by_level_and_failure_escalates(dispute, gridworker, center):
    assert dispute.category.kind == "dispute"
    with pytest.raises(EventError) as exc:
        mediation_record(event=dispute, actor=center, level="community", parties="张、李", outcome="failed")
    assert exc.value.field == "level" and "grid" in exc.value.message  # names the level that comes next
    mediation_record(event=dispute, actor=gridworker, level="grid", parties="张、李", outcome="failed")
    dispute.refresh_from_db()
    assert dispute.escalation_level == 1
    mediation_record(
        event=dispute,
        actor=center,
        level="community",
        parties="张、李",
        outcome="agreed",
        agreement="李家修水管，张家不再追究",
    )
    dispute.refresh_from_db()
    assert dispute.escalation_level == 1
    assert list(dispute.mediations.values_list("level", "outcome")) == [("grid", "failed"), ("community", "agreed")]
    assert list(dispute.log.filter(action="mediation").values_list("data__level", flat=True)) == ["grid", "community"]


def test_only_disputes_are_mediated(report, center):
    event = event_transition(event=report(), action="accept", actor=center)
    with pytest.raises(EventError) as exc:
        mediation_record(event=event, actor=center, level="grid", parties="x", outcome="agreed")
    assert exc.value.status == 409


def test_outsiders_cannot_mediate(dispute, other_worker):
    with pytest.raises(EventError) as exc:
        mediation_record(event=dispute, actor=other_worker, level="grid", parties="x", outcome="agreed")
    assert exc.value.status == 404


def test_mediation_form_on_the_case_page(client, dispute, center):
    client.force_login(center)
    page = client.get(f"/cases/{dispute.number}/").content.decode()
    assert 'value="mediation"' in page and 'name="level" value="grid"' in page
    client.post(
        f"/cases/{dispute.number}/act/",
        {"action": "mediation", "level": "grid", "parties": "甲、乙", "outcome": "agreed"},
    )
    assert dispute.mediations.count() == 1
