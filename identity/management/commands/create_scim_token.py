"""python manage.py create_scim_token NAME: the identity provider's SCIM credentials.

Creates the service account NAME with the permission to provision (identity.provision_users), or
rotates its token when it exists, and prints the bearer token once. The old token stops working at
once. The decisions are ``identity.provisioning.scim_token_issue``'s; a refusal is this command's error.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from core.edges import REFUSALS, message_for
from identity.provisioning import scim_token_issue

SHOWN_ONCE = "SCIM bearer token (shown only now: paste it into the identity provider's SCIM settings):"


class Command(BaseCommand):
    help = "Create the SCIM service account NAME, or rotate its token, and print the bearer token once."

    def add_arguments(self, parser):
        parser.add_argument("name", help="The service account's username, e.g. svc.scim-entra.")

    def handle(self, *args, name: str, **options):
        try:
            account, key = scim_token_issue(name=name)
        except REFUSALS as exc:
            raise CommandError(message_for(exc)) from exc
        self.stdout.write(f"SCIM service account {account.user.get_username()} may now provision people; "
                          "any earlier token of it no longer works.")
        self.stdout.write(SHOWN_ONCE)
        self.stdout.write(key)
