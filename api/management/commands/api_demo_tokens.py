"""python manage.py api_demo_tokens: API tokens of the demo's governance admin and a submitter.

Prints one "username token" line each, creating the tokens when missing or expired (the
users come from seed_demo). For trying the API and for .ci/schemathesis.sh.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from api.tokens import issue

DEMO_USERS = ("gov.admin", "ava.submitter")


class Command(BaseCommand):
    help = "Print (creating if needed) the API tokens of gov.admin and ava.submitter."

    def add_arguments(self, parser):
        parser.add_argument("usernames", nargs="*", default=list(DEMO_USERS), help="Default: gov.admin ava.submitter")

    def handle(self, *args, usernames, **options):
        users = get_user_model().objects.filter(username__in=usernames, is_active=True)
        found = {user.username: user for user in users}
        missing = [name for name in usernames if name not in found]
        if missing:
            raise CommandError(f"No active user {', '.join(missing)}: run `python manage.py seed_demo` first.")
        for name in usernames:
            token = issue(found[name])  # a fresh one once the last has expired
            self.stdout.write(f"{name} {token.key}")
