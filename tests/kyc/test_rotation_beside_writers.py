"""Key rotation beside an erasure or a state change, on two real PostgreSQL connections.

The rotation reads a batch of ciphertext, then writes the re-encrypted values back. A change
committed in between (an erasure blanking the applicant, a state change writing a new reason) must
win: the rotation never puts back what it read. The race needs row locks and a second connection
that holds its change open while the rotation reads, so this module runs on PostgreSQL (CI's
database) and collects nothing on SQLite, whose single writer cannot interleave this way.
"""

from __future__ import annotations

import io
import threading
import time
from datetime import date

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection, connections, transaction

from kyc.core.audit import Actor
from kyc.domain.workflow import CaseState
from kyc.models import Applicant, Case
from kyc.services.cases import case_transition, lock_case
from kyc.services.retention import case_purge_personal_data
from tests.conftest import make_case

if connection.vendor == "postgresql":
    pytestmark = pytest.mark.django_db(transaction=True)

    # The other connection polls this: true once its open transaction holds up another backend
    # (the rotation's write). pg_locks is read live, unlike pg_stat_activity inside a transaction.
    BLOCKING_ANOTHER = (
        "SELECT EXISTS (SELECT 1 FROM pg_locks l WHERE NOT l.granted"
        " AND pg_backend_pid() = ANY(pg_blocking_pids(l.pid)))"
    )

    def erase(case):
        case_purge_personal_data(case_id=case.id, actor=Actor.system("retention"), reason="retention period ended")

    def withdraw(case):
        case_transition(case=lock_case(case.id), target=CaseState.WITHDRAWN, actor=Actor.system("test"),
                        reason="withdrawn by the applicant")

    def run_beside_rotation(change, case) -> bool:
        """Run ``change`` on another connection, keep it uncommitted until the rotation (on this
        connection) waits for its rows, then commit. True if the rotation did wait: the race ran."""
        changed, outcome = threading.Event(), {"blocked": False, "error": None}

        def other_connection():
            try:
                with transaction.atomic():
                    change(case)
                    changed.set()
                    with connection.cursor() as cursor:
                        for _ in range(3000):  # 60 s at most: a rotation that never waits ends it
                            cursor.execute(BLOCKING_ANOTHER)
                            if cursor.fetchone()[0]:
                                outcome["blocked"] = True
                                break
                            time.sleep(0.02)
            except BaseException as exc:  # reported by the test, not lost in the thread
                outcome["error"] = exc
            finally:
                changed.set()
                connections.close_all()

        thread = threading.Thread(target=other_connection)
        thread.start()
        assert changed.wait(60)
        call_command("rotate_encryption_keys", stdout=io.StringIO())
        thread.join(60)
        if outcome["error"] is not None:
            raise outcome["error"]
        return outcome["blocked"]

    @pytest.fixture
    def rotating_keys(settings):
        old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
        settings.KYC_ENCRYPTION_KEYS = [old_key]
        return lambda: setattr(settings, "KYC_ENCRYPTION_KEYS", [new_key, old_key]), new_key, settings

    def test_an_erasure_committed_during_rotation_stays_erased(scripted_ocr, rotating_keys):
        start_rotation, new_key, settings = rotating_keys
        case = make_case("passport", declared_full_name="Marker Person", declared_birth_date=date(1990, 1, 1))
        start_rotation()

        assert run_beside_rotation(erase, case), "the rotation never waited for the erasure: no race was run"

        settings.KYC_ENCRYPTION_KEYS = [new_key]  # the old key dropped: what is left must read
        applicant = Applicant.objects.get(id=case.applicant_id)
        assert (applicant.email, applicant.declared_full_name, applicant.declared_birth_date) == ("", "", None)
        assert Case.objects.get(id=case.id).personal_data_erased_at is not None

    def test_a_state_reason_written_during_rotation_is_kept(scripted_ocr, rotating_keys):
        start_rotation, new_key, settings = rotating_keys
        case = make_case("passport")
        Case.objects.filter(id=case.id).update(state_reason="the earlier reason")
        start_rotation()

        assert run_beside_rotation(withdraw, case), "the rotation never waited for the state change: no race was run"

        settings.KYC_ENCRYPTION_KEYS = [new_key]
        case.refresh_from_db()
        assert (case.state, case.state_reason) == ("withdrawn", "withdrawn by the applicant")
