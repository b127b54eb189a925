"""Signed checkpoints anchor the audit chain outside the database (issue 17, point 7).

The attacks are the ones the issue reproduced: with write access to the database, change one
event and re-hash every event after it and the chain head; or cut the tail and move the head back.
Both left the chain internally consistent; the signed checkpoints see them.
"""

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from kyc import audit_keys
from kyc.models import AuditChainHead, AuditCheckpoint, AuditEvent
from kyc.services.audit import Actor
from kyc.services.audit_checkpoints import audit_checkpoint_write
from kyc.services.cases import case_create
from kyc.tasks import write_audit_checkpoint

pytestmark = pytest.mark.django_db
EVENTS = AuditEvent._meta.db_table
HEAD = AuditChainHead._meta.db_table


@pytest.fixture
def signing(settings):
    pem = audit_keys.generate_signing_key_pem()
    settings.AUDIT_SIGNING_KEY = pem
    settings.AUDIT_VERIFYING_KEYS = audit_keys.public_key_pem(audit_keys.signing_key().public_key())
    return pem


def make_events(count):
    for i in range(count):
        case_create(actor=Actor.applicant(""), email=f"a{i}@example.test", document_type="passport")


def rewrite_and_rehash(sequence: int, *, object_type: str = "forged") -> None:
    """What a database administrator can do in SQL: change one event, re-hash it and every later
    event, and move the head to the new last hash."""
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {EVENTS} SET object_type = %s WHERE sequence = %s", [object_type, sequence])
    prev_hash = AuditEvent.objects.get(sequence=sequence - 1).hash if sequence > 1 else "0" * 64
    for event in AuditEvent.objects.filter(sequence__gte=sequence).order_by("sequence"):
        event.prev_hash = prev_hash
        new_hash = event.compute_hash()
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {EVENTS} SET prev_hash = %s, hash = %s WHERE sequence = %s",
                           [prev_hash, new_hash, event.sequence])
        prev_hash = new_hash
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {HEAD} SET last_hash = %s WHERE id = 1", [prev_hash])


def truncate_tail(keep: int) -> None:
    last = AuditEvent.objects.get(sequence=keep)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {EVENTS} WHERE sequence > %s", [keep])
        cursor.execute(f"UPDATE {HEAD} SET last_sequence = %s, last_hash = %s WHERE id = 1", [keep, last.hash])


def test_a_rewritten_and_rehashed_event_is_named_by_verify_audit(signing, capsys):
    make_events(4)
    audit_checkpoint_write()  # vouches for #1..#4
    make_events(4)
    audit_checkpoint_write()  # vouches for #5..#8
    make_events(2)
    call_command("verify_audit")
    assert "2 signed checkpoints verified" in capsys.readouterr().out

    rewrite_and_rehash(6)
    with pytest.raises(CommandError) as error:
        call_command("verify_audit")
    message = str(error.value)
    assert "events #5 to #8 were rewritten" in message
    assert "the last checkpoint that still matches is at #4" in message


def test_a_cut_tail_is_named_by_verify_audit(signing):
    make_events(6)
    audit_checkpoint_write()
    truncate_tail(keep=3)
    with pytest.raises(CommandError, match="events #4 to #6 were removed"):
        call_command("verify_audit")


def test_deleting_the_checkpoints_too_is_caught_by_the_exported_copy(signing, tmp_path):
    make_events(5)
    audit_checkpoint_write()
    exported = tmp_path / "checkpoints.jsonl"
    call_command("audit_checkpoint", "--export", str(exported))
    line = json.loads(exported.read_text().splitlines()[0])
    assert json.loads(line["payload"])["chains"]["main"]["sequence"] == 5

    rewrite_and_rehash(2)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditCheckpoint._meta.db_table}")
    call_command("verify_audit")  # the database alone looks whole: the attack the issue describes
    with pytest.raises(CommandError, match="events #1 to #5 were rewritten"):
        call_command("verify_audit", "--checkpoints", str(exported))


def test_a_checkpoint_forged_in_the_database_fails_its_signature(signing, settings):
    make_events(3)
    audit_checkpoint_write()
    rewrite_and_rehash(2)
    # The attacker signs a fresh checkpoint of the rewritten chain with a key of their own.
    published = settings.AUDIT_VERIFYING_KEYS
    settings.AUDIT_SIGNING_KEY = audit_keys.generate_signing_key_pem()
    audit_checkpoint_write()
    settings.AUDIT_VERIFYING_KEYS = published
    with pytest.raises(CommandError, match="does not verify with the published keys"):
        call_command("verify_audit")


def test_the_signing_key_is_not_in_the_database(signing):
    make_events(2)
    checkpoint = audit_checkpoint_write()
    dump = "\n".join(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608
            dump += "\n" + repr(cursor.fetchall())
    private_body = "".join(signing.strip().splitlines()[1:-1])
    assert private_body not in dump
    assert checkpoint.key_id in dump


def test_the_periodic_task_signs_only_when_the_chain_moved(signing):
    make_events(2)
    assert write_audit_checkpoint() == 2
    assert write_audit_checkpoint() is None
    make_events(1)
    assert write_audit_checkpoint() == 3
    assert AuditCheckpoint.objects.count() == 2


def test_checkpoints_are_appended_to_the_export_file_as_they_are_written(signing, settings, tmp_path,
                                                                         django_capture_on_commit_callbacks):
    settings.AUDIT_CHECKPOINT_EXPORT_PATH = str(tmp_path / "worm.jsonl")
    make_events(1)
    with django_capture_on_commit_callbacks(execute=True):
        audit_checkpoint_write()
    make_events(1)
    with django_capture_on_commit_callbacks(execute=True):
        audit_checkpoint_write()
    lines = (tmp_path / "worm.jsonl").read_text().splitlines()
    assert [json.loads(json.loads(line)["payload"])["chains"]["main"]["sequence"] for line in lines] == [1, 2]


def test_without_a_signing_key_the_command_says_so(settings):
    settings.AUDIT_SIGNING_KEY = ""
    with pytest.raises(CommandError, match="No AUDIT_SIGNING_KEY"):
        call_command("audit_checkpoint")


def test_the_public_key_command_prints_the_key_that_verifies(signing, capsys):
    call_command("audit_checkpoint", "--public-key")
    printed = capsys.readouterr().out
    assert printed.startswith("-----BEGIN PUBLIC KEY-----")
    assert "PRIVATE" not in printed
