"""The audit trail is append-only and hash-chained; verify_audit names the first broken link."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from kyc.models import AuditEvent
from kyc.models.audit import AuditTrailIsAppendOnly
from kyc.services.audit import Actor
from kyc.services.cases import case_create

pytestmark = pytest.mark.django_db


def _make_events(count=3):
    for i in range(count):
        case_create(actor=Actor.applicant(""), email=f"a{i}@example.test", document_type="passport")
    return list(AuditEvent.objects.order_by("sequence"))


def test_events_link_to_their_predecessor():
    events = _make_events()
    assert [e.sequence for e in events] == [1, 2, 3]
    assert events[0].prev_hash == "0" * 64
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    assert all(e.hash == e.compute_hash() for e in events)


def test_verify_audit_passes_on_an_intact_chain(capsys):
    _make_events()
    call_command("verify_audit")
    assert "intact: 3 events" in capsys.readouterr().out


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
    with pytest.raises(CommandError, match="BROKEN at event #2: event #2 \\(case.created\\) was changed"):
        call_command("verify_audit")


def test_raw_sql_deletion_is_named_by_verify_audit():
    _make_events()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEvent._meta.db_table} WHERE sequence = 2")
    with pytest.raises(CommandError, match="BROKEN at event #2: event #2 is missing"):
        call_command("verify_audit")


def test_removing_the_newest_event_is_detected_through_the_chain_head():
    _make_events()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEvent._meta.db_table} WHERE sequence = 3")
    with pytest.raises(CommandError, match="events were removed"):
        call_command("verify_audit")
