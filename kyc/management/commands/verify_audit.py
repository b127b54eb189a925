from django.core.management.base import BaseCommand, CommandError

from kyc.selectors.audit import audit_chain_verify


class Command(BaseCommand):
    help = "Walk the audit chain from the first event and report the first broken link."

    def handle(self, *args, **options):
        result = audit_chain_verify()
        if not result.ok:
            raise CommandError(
                f"Audit chain BROKEN at event #{result.broken_sequence}: {result.problem} "
                f"({result.events_checked} events verified before it)."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {result.events_checked} events verified."))
