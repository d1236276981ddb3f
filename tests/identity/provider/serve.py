"""Run the test OpenID Connect provider: ``python -m tests.identity.provider.serve``.

Environment: PROVIDER_DB (its SQLite file), PROVIDER_CONTROL_TOKEN, PROVIDER_CLOCK (an ISO instant
to run the clock from, so the ID tokens' iat/exp suit the tests' fixed clock), PROVIDER_CLIENT_SECRET,
PROVIDER_REDIRECT_URIS and PROVIDER_LOGOUT_URIS (space-separated). Binds a free port on 127.0.0.1
and prints {"port": N} on one line once it answers.
"""

import datetime
import json
import os
import sys
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


def main() -> None:
    clock = os.environ.get("PROVIDER_CLOCK")
    if clock:
        import time_machine

        time_machine.travel(datetime.datetime.fromisoformat(clock), tick=True).start()
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.identity.provider.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from oauth2_provider.models import Application

    from tests.identity.provider.views import CLIENT_ID

    call_command("migrate", run_syncdb=True, verbosity=0)
    Application.objects.update_or_create(client_id=CLIENT_ID, defaults={
        "name": "Stagegate",
        "client_secret": os.environ["PROVIDER_CLIENT_SECRET"],
        "client_type": Application.CLIENT_CONFIDENTIAL,
        "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
        "skip_authorization": True,
        "algorithm": Application.RS256_ALGORITHM,
        "redirect_uris": os.environ.get("PROVIDER_REDIRECT_URIS", ""),
        "post_logout_redirect_uris": os.environ.get("PROVIDER_LOGOUT_URIS", ""),
    })
    server = make_server("127.0.0.1", 0, get_wsgi_application(), server_class=ThreadingServer,
                         handler_class=QuietHandler)
    print(json.dumps({"port": server.server_port}), flush=True)
    sys.stdout.close()
    server.serve_forever()


if __name__ == "__main__":
    main()
