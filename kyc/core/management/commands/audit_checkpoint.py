from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from kyc.core import audit_keys
from kyc.core.audit_checkpoints import audit_checkpoint_write, audit_checkpoints_export


class Command(BaseCommand):
    help = (
        "Sign a checkpoint of the audit chain now (needs AUDIT_SIGNING_KEY). --export FILE writes every "
        "checkpoint to a new file for write-once storage; --public-key prints the verifying key to publish; "
        "--new-key FILE creates a signing key file."
    )

    def add_arguments(self, parser):
        parser.add_argument("--export", type=Path, metavar="FILE", help="write every checkpoint to this new file")
        parser.add_argument("--public-key", action="store_true", help="print the verifying key (PEM) to publish")
        parser.add_argument("--new-key", type=Path, metavar="FILE", help="create an Ed25519 signing key file (0600)")

    def handle(self, *args, **options):
        try:
            if options["new_key"]:
                path = options["new_key"]
                with open(path, "x", encoding="ascii") as out:  # never overwrite a key
                    path.chmod(0o600)
                    out.write(audit_keys.generate_signing_key_pem())
                self.stdout.write(f"Signing key written to {path}; set AUDIT_SIGNING_KEY_FILE={path}.")
                return
            if options["public_key"]:
                key = audit_keys.signing_key()
                if key is None:
                    raise CommandError("No AUDIT_SIGNING_KEY on this host.")
                self.stdout.write(audit_keys.public_key_pem(key.public_key()), ending="")
                return
            if options["export"]:
                count = audit_checkpoints_export(path=options["export"])
                self.stdout.write(f"{count} checkpoints written to {options['export']}.")
                return
            checkpoint = audit_checkpoint_write()
        except (ImproperlyConfigured, OSError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Checkpoint signed (key {checkpoint.key_id}): every chain's head, events up to #{checkpoint.last_sequence}."
        )
