"""Rebuild the reviewer search's blind indexes (after SEARCH_INDEX_KEY or SECRET_KEY changed, or for
cases created before the index existed). Decrypts one batch of cases at a time, in this process only."""

from django.core.management.base import BaseCommand

from kyc.models import Case, CaseSearchDigest, DocumentReading
from kyc.services.search_index import case_index_for_search, reading_search_values


class Command(BaseCommand):
    help = "Rebuild the blind indexes reviewers search names and document numbers with."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size: int, **options):
        done = 0
        ids = list(Case.objects.filter(personal_data_erased_at__isnull=True).values_list("id", flat=True))
        for start in range(0, len(ids), batch_size):
            batch = ids[start:start + batch_size]
            CaseSearchDigest.objects.filter(case_id__in=batch).delete()
            for case in Case.objects.filter(id__in=batch).select_related("applicant"):
                case_index_for_search(case_id=case.id, names=[case.applicant.declared_full_name])
            for reading in DocumentReading.objects.filter(document__case_id__in=batch).select_related("document"):
                names, numbers = reading_search_values(reading.fields or {})
                case_index_for_search(case_id=reading.document.case_id, names=names, numbers=numbers)
            done += len(batch)
        self.stdout.write(f"Re-indexed {done} cases.")
