"""The audit trail is append-only and hash-chained, one chain per case; verify_audit names the
first broken link."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from kyc.core.audit import Actor, audit_events_together, audit_record
from kyc.core.models import AuditChain, AuditEvent, AuditTrailIsAppendOnly
from kyc.services.cases import case_create

pytestmark = pytest.mark.django_db


def _make_events(count=3):
    """``count`` events on one case's chain (its creation is the first)."""
    case = case_create(actor=Actor.applicant(""), email="a@example.test", document_type="passport")
    for i in range(count - AuditEvent.objects.filter(case_id=case.id).count()):
        with transaction.atomic():
            audit_record(actor=Actor.system("test"), action="case.touched", case_id=case.id, data={"n": i})
    return list(AuditEvent.objects.filter(case_id=case.id).order_by("chain_sequence"))


def test_events_link_to_their_predecessor_in_their_case_chain():
    events = _make_events()
    assert [e.chain_sequence for e in events] == [1, 2, 3]
    assert [e.sequence for e in events] == sorted(e.sequence for e in events)
    assert events[0].prev_hash == "0" * 64
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    assert all(e.hash == e.compute_hash() for e in events)


def test_unrelated_cases_and_staff_events_share_no_chain():
    first, second = _make_events(2), _make_events(2)
    with transaction.atomic():
        audit_record(actor=Actor.system("test"), action="configuration.changed")
    # Each case's chain starts from the genesis hash: no head is shared, so no lock is.
    assert first[0].prev_hash == second[0].prev_hash == "0" * 64
    assert first[0].chain != second[0].chain
    assert AuditChain.objects.get(key="global").last_sequence == 1
    assert AuditChain.objects.count() == 3


def test_verify_audit_passes_on_an_intact_chain(capsys):
    _make_events()
    call_command("verify_audit")
    assert "intact: 3 events verified in 1 chains" in capsys.readouterr().out


def test_orm_refuses_update_and_delete():
    event = _make_events(1)[0]
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEvent.objects.all().delete()
    with pytest.raises(AuditTrailIsAppendOnly):
        event.delete()
    event.action = "case.tampered"
    with pytest.raises(AuditTrailIsAppendOnly):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).action == "case.created"


def test_raw_sql_change_is_named_by_verify_audit():
    events = _make_events()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {AuditEvent._meta.db_table} SET object_type = %s WHERE sequence = %s", ["forged", events[1].sequence]
        )
    with pytest.raises(CommandError, match=f"BROKEN at event #{events[1].sequence}: event #{events[1].sequence} "
                                           "\\(case.touched\\) was changed"):
        call_command("verify_audit")


def test_raw_sql_deletion_is_named_by_verify_audit():
    events = _make_events()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEvent._meta.db_table} WHERE sequence = %s", [events[1].sequence])
    with pytest.raises(CommandError, match=f"BROKEN at event #{events[2].sequence}: event 2 of the chain of case "
                                           f"{events[0].case_id} is missing"):
        call_command("verify_audit")


def test_removing_the_newest_event_is_detected_through_the_chain_head():
    events = _make_events()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEvent._meta.db_table} WHERE sequence = %s", [events[2].sequence])
    with pytest.raises(CommandError, match="events were removed"):
        call_command("verify_audit")


def test_events_appended_together_keep_their_order_on_each_chain(capsys):
    first, second = _make_events(1)[0], _make_events(1)[0]
    with transaction.atomic(), audit_events_together():
        for n, case_id in enumerate([first.case_id, second.case_id, first.case_id, None, first.case_id]):
            audit_record(actor=Actor.system("test"), action="case.touched", case_id=case_id, data={"n": n})
    on_first = list(AuditEvent.objects.filter(case_id=first.case_id).order_by("chain_sequence"))
    assert [e.data.get("n") for e in on_first] == [None, 0, 2, 4]
    assert [e.prev_hash for e in on_first[1:]] == [e.hash for e in on_first[:-1]]
    assert [e.sequence for e in on_first] == sorted(e.sequence for e in on_first)
    assert AuditChain.objects.get(key=str(first.case_id)).last_hash == on_first[-1].hash
    assert AuditEvent.objects.filter(case_id=second.case_id).count() == 2
    assert AuditEvent.objects.filter(chain="global", action="case.touched").count() == 1
    call_command("verify_audit")
    assert "intact: 7 events verified in 3 chains" in capsys.readouterr().out


def test_an_event_of_a_savepoint_rolled_back_inside_a_block_is_not_kept():
    case_id = _make_events(1)[0].case_id
    with transaction.atomic(), audit_events_together():
        audit_record(actor=Actor.system("test"), action="case.kept", case_id=case_id)
        try:
            with transaction.atomic():
                audit_record(actor=Actor.system("test"), action="case.undone", case_id=case_id)
                raise RuntimeError("the change failed")
        except RuntimeError:
            pass
        audit_record(actor=Actor.system("test"), action="case.kept", case_id=case_id)
    actions = list(AuditEvent.objects.filter(case_id=case_id).order_by("chain_sequence").values_list("action", flat=True))
    assert actions == ["case.created", "case.kept", "case.kept"]
    call_command("verify_audit")


def test_a_block_that_fails_leaves_its_transaction_unable_to_commit():
    case_id = _make_events(1)[0].case_id
    with pytest.raises(RuntimeError), transaction.atomic():
        try:
            with audit_events_together():
                audit_record(actor=Actor.system("test"), action="case.touched", case_id=case_id)
                raise RuntimeError("the change failed")
        except RuntimeError:
            pass
        # The block has no savepoint of its own: what it did cannot be committed without its events.
        assert transaction.get_connection().needs_rollback
        raise RuntimeError("rolled back")
    assert list(AuditEvent.objects.filter(case_id=case_id).values_list("action", flat=True)) == ["case.created"]
