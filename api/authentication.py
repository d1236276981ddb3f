"""API tokens (people and service accounts). Sessions use DRF's SessionAuthentication: intake.auth
refuses service accounts a session, so only people have one. A person's token expires
(``api.tokens``: API_TOKEN_TTL_HOURS after it was issued); a service account's does not."""

from __future__ import annotations

from functools import cache

from django.contrib.auth import get_user_model
from django.db import connection
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from api import tokens
from intake.models import ServiceAccount

TOKEN_LENGTH = 40


class TokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>``. One query: the token, its user and the service-account flag."""

    def authenticate_credentials(self, key):
        # A key that cannot be one never reaches the database (NUL bytes would fail there).
        if len(key) != TOKEN_LENGTH or not key.isalnum() or not key.isascii():
            raise exceptions.AuthenticationFailed("Invalid token.")
        token = token_with_user(key)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        if tokens.has_expired(token):  # a person's, API_TOKEN_TTL_HOURS after it was issued
            raise exceptions.AuthenticationFailed("Token has expired.")
        return token.user, token


@cache
def _token_query() -> tuple[str, list[tuple[type, list, list[str], int]]]:
    """The statement select_related("user", "user__service_account") builds, and how to read its row.

    Written out once per process from the models' metadata: the ORM built and compiled the same
    statement on every request, 0.7 ms of CPU (docs/benchmarks.md).
    """
    quote, user_model = connection.ops.quote_name, get_user_model()
    columns, plan = [], []
    for model, alias in ((Token, "t"), (user_model, "u"), (ServiceAccount, "sa")):
        fields = model._meta.concrete_fields
        columns += [f"{alias}.{quote(f.column)}" for f in fields]
        plan.append((model, [f.get_col(alias) for f in fields], [f.attname for f in fields],
                     fields.index(model._meta.pk)))
    user_id = f"u.{quote(user_model._meta.pk.column)}"
    token_user = quote(Token._meta.get_field("user").column)
    account_user = quote(ServiceAccount._meta.get_field("user").column)
    # Names from the models' metadata, never from input; the key is a parameter.
    sql = (f"SELECT {', '.join(columns)} FROM {quote(Token._meta.db_table)} t "  # noqa: S608 # nosec B608
           f"INNER JOIN {quote(user_model._meta.db_table)} u ON {user_id} = t.{token_user} "
           f"LEFT OUTER JOIN {quote(ServiceAccount._meta.db_table)} sa ON sa.{account_user} = {user_id} "
           f"WHERE t.{quote(Token._meta.pk.column)} = %s")
    return sql, plan


def _instance(model, cols: list, attnames: list[str], pk_index: int, values: list):
    # The ORM's converters, asked of this request's connection: SQLite's plain cursor gives naive datetimes.
    for i, col in enumerate(cols):
        for convert in connection.ops.get_db_converters(col) + col.target.get_db_converters(connection):
            values[i] = convert(values[i], col, connection)
    return None if values[pk_index] is None else model.from_db(connection.alias, attnames, values)


def token_with_user(key: str) -> Token | None:
    """The token with its user, and the user's service account (or its absence), cached as the ORM would."""
    sql, plan = _token_query()
    with connection.cursor() as cursor:
        cursor.execute(sql, [key])
        row = cursor.fetchone()
    if row is None:
        return None
    instances, start = [], 0
    for model, cols, attnames, pk_index in plan:
        instances.append(_instance(model, cols, attnames, pk_index, list(row[start:start + len(cols)])))
        start += len(cols)
    token, user, account = instances
    Token.user.field.set_cached_value(token, user)
    get_user_model().service_account.related.set_cached_value(user, account)
    if account is not None:
        ServiceAccount.user.field.set_cached_value(account, user)
    return token
