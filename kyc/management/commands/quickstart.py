"""One command for a newcomer: database, demo users, demo cases, a worker and the web server.

Stopped with Ctrl-C (SIGINT) or by a process manager (SIGTERM), it stops everything it started:
the worker runs in a process group of its own, asked to shut down warmly, then the whole group is
killed if it has not finished in time, so no pool process or embedded beat is left behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from kyc.core.env import env_bool
from kyc.management.demo import DEMO_LOGINS, ensure_demo_users, load_demo_cases


def serve_error_pages_like_production() -> None:
    """The quick start is where a newcomer tries the product as an applicant would: they get our
    error pages (400, 403, 404, 410, 429, 500 in their language, with the way back), never Django's
    debug pages, which also list every URL of the site. DEBUG=1 in the environment keeps them for
    someone who wants them."""
    if not env_bool("DEBUG", False):
        # Django reads DEBUG per request (technical_404_response, response_for_exception), so
        # turning it off before the server starts is enough; nothing has been served yet.
        settings.DEBUG = False


class Command(BaseCommand):
    help = "Set up the demo (SQLite, on-disk broker, local OCR) and run the web server and a worker."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--no-server", action="store_true", help="set up and load demo data, then exit")

    def handle(self, *args, host: str, port: int, no_server: bool, **options):
        # Python ends on SIGTERM without running finally blocks; turned into the same interrupt as
        # Ctrl-C, it unwinds through the clean-up below.
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            self._run(host=host, port=port, no_server=no_server)
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")

    def _run(self, *, host: str, port: int, no_server: bool) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        ensure_demo_users()
        created = load_demo_cases()
        self.stdout.write(f"Demo data: {created} new demo cases submitted for reading.")
        if no_server:
            return
        worker = None
        try:
            worker = self._start_worker()
            self._serve(host=host, port=port)
        finally:
            if worker is not None:
                _stop_worker(worker)

    @staticmethod
    def _start_worker() -> subprocess.Popen:
        return subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [
                sys.executable, "-m", "celery", "-A", "kyc.project", "worker", "--beat", "--loglevel=WARNING",
                "--concurrency=1", "--schedule", str(settings.DATA_DIR / "celerybeat-schedule"),
                "-Q", settings.CELERY_TASK_DEFAULT_QUEUE,
            ],
            env=os.environ.copy(),
            # Its own group: Ctrl-C reaches this command only, which then stops the worker in order.
            process_group=0,
        )

    def _serve(self, *, host: str, port: int) -> None:
        url = f"http://{host}:{port}/"
        logins = "\n".join(f"    {role:<16} {username} / {password}" for role, username, password in DEMO_LOGINS)
        self.stdout.write(
            self.style.SUCCESS(
                f"\nKYC onboarding is starting at {url}\n"
                f"  Applicant flow:   {url}\n"
                f"  Reviewer queue:   {url}review/\n"
                f"  Admin:            {url}admin/\n"
                f"  API docs:         {url}api/docs/\n"
                f"  Demo logins:\n{logins}\n"
                "  The worker reads the demo cases with the embedded OCR engine; they appear in the\n"
                "  reviewer queue within a minute. Four eyes: \"Demo Four-Eyes\" cases, one approved by\n"
                "  senior and waiting for senior2, one confirmed by senior2. Stop with Ctrl-C.\n"
            )
        )
        serve_error_pages_like_production()
        # insecure_serving: static files from the finders although DEBUG is off (as runserver
        # --insecure; the quick start is local only).
        call_command("runserver", f"{host}:{port}", use_reloader=False, insecure_serving=True)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


WORKER_STOP_SECONDS = 15


def _stop_worker(worker: subprocess.Popen) -> None:
    """Warm shutdown (a read in progress finishes), then the whole process group, whatever is left."""
    # A second signal while stopping must not cut the clean-up short.
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + WORKER_STOP_SECONDS
            while worker.poll() is None and time.monotonic() < deadline:
                time.sleep(0.2)
        try:
            # Pool processes or the embedded beat that outlived the worker's main process.
            os.killpg(worker.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        worker.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
