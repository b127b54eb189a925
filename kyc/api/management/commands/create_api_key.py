"""``manage.py create_api_key <integrator name> [--create-integrator] [--name production]``."""

from django.core.management.base import BaseCommand, CommandError

from kyc.api.models import Integrator
from kyc.api.services import api_key_create


class Command(BaseCommand):
    help = "Create an API key for an integrator and print it once (only its hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument("integrator", help="The integrator's name")
        parser.add_argument("--name", default="", help="What the key is for, e.g. 'production'")
        parser.add_argument("--create-integrator", action="store_true", help="Create the integrator if it is new")

    def handle(self, *args, integrator: str, name: str, create_integrator: bool, **options):
        record = Integrator.objects.filter(name=integrator).first()
        if record is None:
            if not create_integrator:
                raise CommandError(f"No integrator named {integrator!r}; add --create-integrator to create it.")
            record = Integrator.objects.create(name=integrator)
        if not record.is_active:
            raise CommandError(f"The integrator {integrator!r} is disabled.")
        key, raw_key = api_key_create(integrator=record, name=name)
        self.stdout.write(f"API key for {record.name} (id {record.id}), shown once:\n{raw_key}")
