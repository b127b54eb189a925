"""Signed checkpoints anchor the audit chains outside the database (issue 17, points 7 and 8).

The attacks are the ones the issue reproduced: with write access to the database, change one
event and re-hash every event after it in its chain and the chain's head; or cut a chain's tail
and move its head back. Both left the chains internally consistent; the signed checkpoints,
which sign the head of every chain that moved, see them.
"""

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from kyc.core import audit_keys
from kyc.core.audit import Actor, audit_record
from kyc.core.audit_checkpoints import audit_checkpoint_write
from kyc.core.models import AuditChain, AuditCheckpoint, AuditEvent
from kyc.services.cases import case_create
from kyc.tasks import write_audit_checkpoint

pytestmark = pytest.mark.django_db
EVENTS = AuditEvent._meta.db_table
HEADS = AuditChain._meta.db_table


@pytest.fixture
def signing(settings):
    pem = audit_keys.generate_signing_key_pem()
    settings.AUDIT_SIGNING_KEY = pem
    settings.AUDIT_VERIFYING_KEYS = audit_keys.public_key_pem(audit_keys.signing_key().public_key())
    return pem


@pytest.fixture
def case():
    """A case whose chain holds exactly its creation event, at position 1."""
    created = case_create(actor=Actor.applicant(""), email="a@example.test", document_type="passport")
    assert AuditChain.objects.get(key=str(created.id)).last_sequence == 1
    return created


def make_events(count, case=None):
    """``count`` more events on the case's chain (or, without a case, new cases' chains)."""
    for i in range(count):
        if case is None:
            case_create(actor=Actor.applicant(""), email=f"a{i}@example.test", document_type="passport")
            continue
        with transaction.atomic():
            audit_record(actor=Actor.system("test"), action="case.touched", case_id=case.id, data={"n": i})


def rewrite_and_rehash(case, position: int, *, object_type: str = "forged") -> None:
    """What a database administrator can do in SQL: change one event of a case's chain, re-hash it
    and every later event of that chain, and move the chain's head to the new last hash."""
    chain = AuditEvent.objects.filter(chain=str(case.id))
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {EVENTS} SET object_type = %s WHERE chain = %s AND chain_sequence = %s",
                       [object_type, str(case.id), position])
    prev_hash = chain.get(chain_sequence=position - 1).hash if position > 1 else "0" * 64
    for event in chain.filter(chain_sequence__gte=position).order_by("chain_sequence"):
        event.prev_hash = prev_hash
        new_hash = event.compute_hash()
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {EVENTS} SET prev_hash = %s, hash = %s WHERE id = %s", [prev_hash, new_hash, event.id])
        prev_hash = new_hash
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {HEADS} SET last_hash = %s WHERE key = %s", [prev_hash, str(case.id)])


def truncate_tail(case, keep: int) -> None:
    last = AuditEvent.objects.get(chain=str(case.id), chain_sequence=keep)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {EVENTS} WHERE chain = %s AND chain_sequence > %s", [str(case.id), keep])
        cursor.execute(f"UPDATE {HEADS} SET last_sequence = %s, last_hash = %s WHERE key = %s",
                       [keep, last.hash, str(case.id)])


def test_a_rewritten_and_rehashed_event_is_named_by_verify_audit(signing, case, capsys):
    make_events(3, case)
    make_events(2)  # other cases, other chains
    audit_checkpoint_write()  # vouches for the case's events 1..4
    make_events(4, case)
    audit_checkpoint_write()  # vouches for 5..8
    make_events(2, case)
    call_command("verify_audit")
    assert "2 signed checkpoints verified" in capsys.readouterr().out

    rewrite_and_rehash(case, 6)
    with pytest.raises(CommandError) as error:
        call_command("verify_audit")
    message = str(error.value)
    assert f"events 5 to 8 of the chain of case {case.id}" in message and "were rewritten" in message
    assert "the last checkpoint that still matches it is at its event 4" in message


def test_a_cut_tail_is_named_by_verify_audit(signing, case):
    make_events(5, case)
    audit_checkpoint_write()
    truncate_tail(case, keep=3)
    with pytest.raises(CommandError, match=f"events 4 to 6 of the chain of case {case.id} were removed"):
        call_command("verify_audit")


def test_deleting_the_checkpoints_too_is_caught_by_the_exported_copy(signing, case, tmp_path):
    make_events(4, case)
    audit_checkpoint_write()
    exported = tmp_path / "checkpoints.jsonl"
    call_command("audit_checkpoint", "--export", str(exported))
    line = json.loads(exported.read_text().splitlines()[0])
    assert json.loads(line["payload"])["chains"][str(case.id)]["sequence"] == 5

    rewrite_and_rehash(case, 2)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditCheckpoint._meta.db_table}")
    call_command("verify_audit")  # the database alone looks whole: the attack the issue describes
    with pytest.raises(CommandError, match="events 1 to 5 of the chain of case .* were rewritten"):
        call_command("verify_audit", "--checkpoints", str(exported))


def test_a_checkpoint_removed_from_the_series_is_named(signing, case):
    make_events(1, case)
    audit_checkpoint_write()
    make_events(1, case)
    middle = audit_checkpoint_write()
    make_events(1, case)
    audit_checkpoint_write()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditCheckpoint._meta.db_table} WHERE id = %s", [middle.id])
    with pytest.raises(CommandError, match="a checkpoint signed before .* is missing"):
        call_command("verify_audit")


def test_a_checkpoint_forged_in_the_database_fails_its_signature(signing, settings, case):
    make_events(2, case)
    audit_checkpoint_write()
    rewrite_and_rehash(case, 2)
    # The attacker signs a fresh checkpoint of the rewritten chain with a key of their own.
    published = settings.AUDIT_VERIFYING_KEYS
    settings.AUDIT_SIGNING_KEY = audit_keys.generate_signing_key_pem()
    AuditChain.objects.filter(key=str(case.id)).update(checkpointed_sequence=0)
    audit_checkpoint_write()
    settings.AUDIT_VERIFYING_KEYS = published
    with pytest.raises(CommandError, match="does not verify with the published keys"):
        call_command("verify_audit")


def test_each_checkpoint_signs_only_the_chains_that_moved(signing, case):
    other = case_create(actor=Actor.applicant(""), email="b@example.test", document_type="passport")
    first = json.loads(audit_checkpoint_write().payload)
    assert set(first["chains"]) == {str(case.id), str(other.id)} and first["previous"] == ""
    make_events(2, case)
    second = json.loads(audit_checkpoint_write().payload)
    assert second["chains"] == {str(case.id): {"sequence": 3, "hash": AuditChain.objects.get(key=str(case.id)).last_hash}}
    assert second["chain_count"] == 2 and second["previous"]


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


def test_the_periodic_task_signs_only_when_a_chain_moved(signing):
    make_events(2)
    assert write_audit_checkpoint() is not None
    assert write_audit_checkpoint() is None
    make_events(1)
    assert write_audit_checkpoint() is not None
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
    assert [len(json.loads(json.loads(line)["payload"])["chains"]) for line in lines] == [1, 1]


def test_without_a_signing_key_the_command_says_so(settings):
    settings.AUDIT_SIGNING_KEY = ""
    with pytest.raises(CommandError, match="No AUDIT_SIGNING_KEY"):
        call_command("audit_checkpoint")


def test_the_public_key_command_prints_the_key_that_verifies(signing, capsys):
    call_command("audit_checkpoint", "--public-key")
    printed = capsys.readouterr().out
    assert printed.startswith("-----BEGIN PUBLIC KEY-----")
    assert "PRIVATE" not in printed
