"""python manage.py service_account create|rotate: service accounts for automation, as in admin.

    service_account create svc.grc-sync --description "GRC tool sync" [--read-write] --as gov.admin
    service_account rotate svc.grc-sync --as gov.admin

Each prints the new API token once. The command only translates: ``api.services`` decides
(only governance admins may act) and records who did it; a refusal is the command's error.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from api import services
from core.edges import REFUSALS, message_for
from intake.models import ServiceAccount

SHOWN_ONCE = "API token (shown only now: copy it into the calling system's secret store):"


class Command(BaseCommand):
    help = "Create a service account, or rotate its API token, acting as a governance admin (--as)."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="subcommand", required=True, metavar="{create,rotate}")
        create = commands.add_parser("create", help="Create a service account and print its first token.")
        create.add_argument("username", help="E.g. svc.grc-sync.")
        create.add_argument("--description", default="", help="What calls the API with it, and why.")
        create.add_argument("--read-write", dest="read_only", action="store_false",
                            help="Allow writes (a service account is read-only unless this is given).")
        rotate = commands.add_parser("rotate", help="Replace the account's token; the old one stops working.")
        rotate.add_argument("username")
        for sub in (create, rotate):
            sub.add_argument("--as", dest="actor", required=True, metavar="USERNAME",
                             help="The governance admin doing it (recorded in the audit trail).")

    def handle(self, *args, subcommand: str, username: str, actor: str, **options):
        admin = self._user(actor)
        try:
            if subcommand == "create":
                account, key = services.service_account_create(
                    actor=admin, username=username, description=options["description"],
                    read_only=options["read_only"])
                access = "read-only" if account.read_only else "read-write"
                self.stdout.write(f"Created the {access} service account {account.user.get_username()}.")
            else:
                account = self._account(username)
                key = services.service_account_token_rotate(actor=admin, service_account=account)
                self.stdout.write(f"Rotated the API token of {account.user.get_username()}; the old one no "
                                  "longer works.")
        except REFUSALS as exc:
            raise CommandError(message_for(exc)) from exc
        self.stdout.write(SHOWN_ONCE)
        self.stdout.write(key)

    @staticmethod
    def _user(username: str):
        user = get_user_model()._default_manager.filter(**{get_user_model().USERNAME_FIELD: username}).first()
        if user is None:
            raise CommandError(f"No user named {username}.")
        return user

    @staticmethod
    def _account(username: str) -> ServiceAccount:
        account = ServiceAccount.objects.select_related("user").filter(user__username=username).first()
        if account is None:
            raise CommandError(f"No service account named {username}.")
        return account
