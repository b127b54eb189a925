"""Fold or recount the reviewer queue's counter table (kyc/models/queue_count.py)."""

from django.core.management.base import BaseCommand

from kyc.services.queue_counts import queue_counts_compact, queue_counts_reconcile


class Command(BaseCommand):
    help = "Fold the reviewer queue's counter rows (default) or recount them from the cases (--reconcile)."

    def add_arguments(self, parser):
        parser.add_argument("--reconcile", action="store_true",
                            help="recount every group from the cases and repair any drift")

    def handle(self, *args, reconcile: bool, **options):
        if reconcile:
            wrong = queue_counts_reconcile()
            self.stdout.write(f"Recounted the queue's counts from the cases: {wrong} groups were wrong.")
        else:
            rows = queue_counts_compact()
            self.stdout.write(f"Folded the queue's counts: {rows} groups.")
