"""Check a vendor account against its documents in five minutes (docs/vendors.md, "Verify")."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from ocr_integration.provider import OcrError
from ocr_integration.vendors.live_check import check_account


class Command(BaseCommand):
    help = ("Sign one request per API of a vendor account with a synthetic specimen and report what came "
            "back (status, code, request id, field names, answer shapes). Stores no image, prints no value.")

    def add_arguments(self, parser):
        parser.add_argument("account", help="the account's provider name, e.g. g42, huawei, ctyun")

    def handle(self, *args, **options):
        name = options["account"]
        try:
            notes, lines = check_account(name)
        except OcrError as exc:
            raise CommandError(exc.message) from exc
        for note in notes:
            self.stdout.write(note)
        for line in lines:
            status = line.http_status if line.http_status is not None else "-"
            head = f"{name} {line.api:<32} {line.outcome:<13} HTTP {status:<4} {line.duration_ms:>6} ms"
            if line.code:
                head += f"  code {line.code}"
            if line.request_id:
                head += f"  request {line.request_id}"
            self.stdout.write(head)
            if line.fields:
                self.stdout.write(f"    fields: {', '.join(line.fields)}")
            for note in line.notes:
                self.stdout.write(f"    {note}")
        failed = [line for line in lines if not line.ok]
        if not lines:
            raise CommandError(f"{name}: the configuration is refused; no request was sent.")
        if failed:
            raise CommandError(f"{name}: {len(failed)} of {len(lines)} APIs did not answer as documented.")
        self.stdout.write(self.style.SUCCESS(f"{name}: {len(lines)} APIs answered as documented."))
