"""python manage.py api_demo_tokens: what .ci/schemathesis.sh authenticates with."""

import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token


def test_prints_a_token_per_demo_user_creating_them_once(gov, ava):
    out = io.StringIO()
    call_command("api_demo_tokens", stdout=out)
    lines = out.getvalue().split()
    assert lines == ["gov.admin", Token.objects.get(user=gov).key, "ava.submitter", Token.objects.get(user=ava).key]
    again = io.StringIO()
    call_command("api_demo_tokens", stdout=again)
    assert again.getvalue() == out.getvalue()


def test_a_missing_user_is_an_error(db):
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("api_demo_tokens", "nobody")
