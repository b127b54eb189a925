"""A scripted reviewer decides a clean passport case and one with a failed check, with the keyboard
only, in a real Chromium against the product's own pages; prints the actions (key presses, and one
for each text typed) and the seconds per decision, beside the "before" path.

    .venv/bin/python bench/reviewer_actions.py [--database postgres://...] [--json out.json]

From a fresh database (SQLite in a temporary folder unless --database): the two cases are made
with the bundled passport specimens through the real services and read by the embedded reader,
as the quick start does (the failed one declares a birth date a year off the document's, so
DECLARED_BIRTH_DATE fails). The pages are served by Django's live-server thread with its static
files handler (the WSGI application the README's gunicorn runs, without gunicorn's processes: one
reviewer, one connection). The clock starts when the case page has loaded and stops when the next
page (the next case, or the queue) has loaded: the reviewer's wait is part of their time.

Before (the one-column workspace of commit c29d94f, templates/reviewer/case.html): open the case
from the queue (click), Claim (click), scroll about 4,900 px down to the form (at least one
gesture), choose the outcome (click), tick a reason (click), for a failed check click into the
note and type it (2), Record (click), back to the queue (click): 7 actions for a clean case, 9
for a failed one. Counted from that template, not replayed (the page no longer exists).

Seconds are wall-clock on a shared machine: the load average is printed beside them. The action
counts do not depend on load.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import dump_json, load, machine, setup_django  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "bench-reviewer-pass"  # noqa: S105 - a throwaway account in a throwaway database
BEFORE = {"clean": 7, "failed": 9}


def make_cases():
    """(clean case, failed case), read by the embedded reader, both waiting for review."""
    from django.contrib.auth.models import Group, User

    from kyc.management.demo import _submit_demo_case, demo_document_sets
    from kyc.models import Case
    from kyc.tasks import read_document

    reviewer = User.objects.create_user("bench-reviewer", password=PASSWORD, is_staff=True)
    reviewer.groups.add(Group.objects.get(name="reviewer"))

    def read(case: Case) -> Case:
        for document in case.documents.filter(is_current=True):
            read_document.apply(args=[str(document.id)])
        case.refresh_from_db()
        return case

    passports = [s for s in demo_document_sets() if s[0] == "passport"]
    clean = failed = None
    for document_type, country, sides in passports:
        if clean is None:
            case = read(_submit_demo_case(document_type, country, sides))
            if case.state == "ready_for_review" and not case.failed_findings_count:
                clean = case
            else:
                Case.objects.filter(id=case.id).update(state="withdrawn")  # out of the queue
        elif failed is None:
            born = date.fromisoformat(str(next(iter(sides.values())).truth.fields["birth_date"]))
            case = read(_submit_demo_case(document_type, country, sides,
                                          declared_birth_date=born.replace(year=born.year - 1)))
            if case.state == "ready_for_review" and case.failed_findings_count:
                failed = case
            else:
                Case.objects.filter(id=case.id).update(state="withdrawn")
    if clean is None or failed is None:
        raise SystemExit("The embedded reader gave no clean and failed pair among the bundled passports.")
    # The clean case first in the queue (oldest waiting), the failed one next.
    Case.objects.filter(id=clean.id).update(submitted_at=failed.submitted_at.replace(year=failed.submitted_at.year - 1))
    return clean, failed


def serve():
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread

    server = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    return f"http://127.0.0.1:{server.port}"


def drive(base_url: str, clean, failed) -> dict:
    from playwright.sync_api import expect, sync_playwright

    actions = {"clean": 0, "failed": 0}
    seconds = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
        page = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=base_url).new_page()
        page.set_default_timeout(30_000)

        def act(which: str, key: str | None = None, text: str | None = None) -> None:
            actions[which] += 1
            if text is not None:
                page.keyboard.type(text)
            else:
                page.keyboard.press(key)

        # Signing in and reaching the first case happen once a day, not per decision: not counted.
        page.goto("/review/login/")
        page.fill("input[name=username]", "bench-reviewer")
        page.fill("input[name=password]", PASSWORD)
        page.keyboard.press("Enter")
        expect(page.locator("tr.queue-row").first).to_be_visible()
        page.wait_for_load_state("load")
        page.keyboard.press("j")
        page.keyboard.press("o")
        expect(page.locator("h1")).to_contain_text(clean.reference)
        page.wait_for_load_state("load")

        started = time.monotonic()
        act("clean", "c")  # the first case of the day is claimed by hand; every next one opens claimed
        expect(page.locator("#assignee[data-you='1']")).to_be_visible()
        page.wait_for_load_state("load")
        act("clean", "a")
        act("clean", "1")  # "Documents read cleanly and agree with each other"
        act("clean", "Control+Enter")
        expect(page.locator("h1")).to_contain_text(failed.reference)
        page.wait_for_load_state("load")
        seconds["clean"] = time.monotonic() - started

        started = time.monotonic()
        expect(page.locator("#assignee[data-you='1']")).to_be_visible()
        act("failed", "x")  # the reasons the failed check suggests are ticked; the note has the focus
        act("failed", text="The birth date the applicant typed is not the document's.")
        act("failed", "Control+Enter")
        expect(page.locator(".message.info")).to_be_visible()  # the queue: nothing else waiting
        page.wait_for_load_state("load")
        seconds["failed"] = time.monotonic() - started
        browser.close()
    return {"actions": actions, "seconds": seconds}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="a PostgreSQL URL (its database is dropped and created)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing (apt-get install chromium).")
    folder = tempfile.mkdtemp(prefix="bench-reviewer-")
    os.environ["KYC_DATA_DIR"] = folder
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API keeps a loop in this thread
    setup_django(args.database or f"sqlite:///{folder}/bench.sqlite3", data_dir=folder, fresh=True)
    logging.disable(logging.INFO)  # one line per request would bury the figures
    from django.contrib.auth.models import User

    from kyc.models import Case, Decision

    clean, failed = make_cases()
    print(f"{machine()}; {load()} (before driving)")
    measured = drive(serve(), clean, failed)
    outcomes = {c.reference: c.state for c in Case.objects.filter(id__in=[clean.id, failed.id])}
    assert outcomes == {clean.reference: "approved", failed.reference: "rejected"}, outcomes
    decided_by = set(Decision.objects.values_list("reviewer__username", flat=True))
    assert decided_by == {"bench-reviewer"}, decided_by
    actions, seconds = measured["actions"], measured["seconds"]
    print(f"{'case':<8}{'before':>8}{'after':>7}{'ratio':>8}{'seconds':>10}")
    for which in ("clean", "failed"):
        ratio = BEFORE[which] / actions[which]
        print(f"{which:<8}{BEFORE[which]:>8}{actions[which]:>7}{ratio:>7.2f}x{seconds[which]:>9.2f}s")
    steady = BEFORE["clean"] / (actions["clean"] - 1)
    print(f"clean, every case after the first (opens claimed): {actions['clean'] - 1} actions, {steady:.2f}x")
    print(f"{load()} (after); seconds include page loads on this machine")
    dump_json(args.json, {"before": BEFORE, "actions": actions, "seconds": seconds, "load": load(),
                          "machine": machine(), "users": User.objects.count()})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
