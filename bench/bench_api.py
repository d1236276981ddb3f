"""The REST API's use-case list against the floor of the same rows, and what its permission read costs.

``GET /api/v1/use-cases/?page_size=100`` through Django's test Client with a
governance admin's token (in-process: middleware, token authentication, the
permission choke point, keyset pagination, serialisation, JSON rendering)
against the floor: the same 100 rows read with ``.values()`` (the list
serializer's columns and joins, same order) and dumped with ``json.dumps``,
after reading the caller and their permissions as the API does. The floor
is measured again without the caller and permission reads. Target: within
2.5x of the floor, on 10,000 use cases.

The same request is also timed with each written-out part swapped for
plain Django and DRF: the page rendered by ``UseCaseSerializer`` (a
ModelSerializer over ``select_related`` rows) instead of
``use_case_list_item``, and the caller's permissions read by Django's
ModelBackend (two ORM queries) instead of ``intake.auth.permissions_sql``.
The statement stays only while it saves at least 15% of the request.
"""

from __future__ import annotations

import json

from bench.common import median_seconds_alternately

VOLUME = 10_000
PAGE = 100
TARGET_RATIO = 2.5
KEEP_STATEMENT_SAVING = 0.15  # a written-out statement stays only while it saves this share of the request
URL = f"/api/v1/use-cases/?page_size={PAGE}"


def _seed() -> str:
    """Use cases up to 10,000 (other benches may have added more), and a governance admin's token."""
    from django.contrib.auth.models import Group, User
    from rest_framework.authtoken.models import Token

    from intake.models import BusinessUnit, UseCase

    unit, _ = BusinessUnit.objects.get_or_create(code="APIBENCH", defaults={"name": "API bench"})
    owner, _ = User.objects.get_or_create(username="apibench.owner")
    sponsor, _ = User.objects.get_or_create(username="apibench.sponsor")
    admin, _ = User.objects.get_or_create(username="apibench.admin")
    admin.groups.add(Group.objects.get(name="governance_admins"))
    have = UseCase.objects.count()
    UseCase.objects.bulk_create(
        (UseCase(reference=f"UC-A{n:06d}", title=f"API bench use case {n}", business_unit=unit, created_by=owner,
                 business_owner=owner, delivery_owner=owner, executive_sponsor=sponsor, status="submitted",
                 risk_tier="medium", ai_pattern="copilot", data_classification="internal", personal_data="none",
                 decision_impact="none", autonomy="assists", exposure="internal_small",
                 eu_ai_act_category="minimal") for n in range(have, VOLUME)),
        batch_size=2000,
    )
    return Token.objects.get_or_create(user=admin)[0].key


def _measures(token: str):
    from django.contrib.auth.models import User
    from django.test import Client

    from api.serializers.usecases import list_columns
    from intake import permissions
    from intake.models import UseCase

    client = Client()

    def api():
        response = client.get(URL, HTTP_AUTHORIZATION=f"Token {token}")
        assert response.status_code == 200, response.content[:200]
        return response.content

    def rows(queryset):
        page = queryset.order_by("updated_at", "id").values(*list_columns())[:PAGE]
        return json.dumps(list(page), default=str)

    def floor():
        admin = User.objects.get(username="apibench.admin")  # the API authenticates a fresh user too
        return rows(permissions.visible_use_cases(admin, UseCase.objects.all()))

    def raw_floor():
        return rows(UseCase.objects.all())

    return api, floor, raw_floor


def _with_model_backend_permissions(request):
    """``request`` with the caller's permissions read by Django's ModelBackend instead of the statement."""
    from django.contrib.auth.backends import ModelBackend

    from intake.auth import HumanOnlyModelBackend

    written_out = HumanOnlyModelBackend.get_all_permissions

    def call():
        HumanOnlyModelBackend.get_all_permissions = ModelBackend.get_all_permissions
        try:
            return request()
        finally:
            HumanOnlyModelBackend.get_all_permissions = written_out

    return call


def _with_plain_serializer(request):
    """``request`` with the page rendered by UseCaseSerializer instead of use_case_list_item."""
    from api.serializers.usecases import UseCaseSerializer
    from api.views.usecases import UseCaseViewSet

    by_hand = UseCaseViewSet.list

    def plain(self, request):
        rows = self.filter_queryset(self.get_queryset()).select_related(
            "business_unit", "business_owner", "delivery_owner", "executive_sponsor")
        return self.get_paginated_response(UseCaseSerializer(self.paginate_queryset(rows), many=True).data)

    def call():
        UseCaseViewSet.list = plain
        try:
            return request()
        finally:
            UseCaseViewSet.list = by_hand

    return call


def run() -> dict:
    from intake.models import UseCase

    token = _seed()
    api, floor, raw_floor = _measures(token)
    plain_serializer, orm_permissions = _with_plain_serializer(api), _with_model_backend_permissions(api)
    assert len(json.loads(api())["results"]) == PAGE
    assert plain_serializer() == orm_permissions() == api()
    a, f, r, plain, orm = median_seconds_alternately(api, floor, raw_floor, plain_serializer, orm_permissions,
                                                     runs=15)
    saving = (orm - a) / orm
    ok = a / f <= TARGET_RATIO
    body = "\n".join([
        "| use cases | page | API, test Client + token (ms) | floor: caller, permissions, rows (ms) "
        "| ratio | floor of the rows alone (ms) | ratio |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        f"| {UseCase.objects.count():,} | {PAGE} | {a * 1000:.2f} | {f * 1000:.2f} | {a / f:.2f}x | {r * 1000:.2f} "
        f"| {a / r:.2f}x |",
        "",
        f"Target: within {TARGET_RATIO}x of the floor of the same rows. {'Met.' if ok else 'NOT met.'}",
        "",
        "The same request with a written-out part swapped for plain Django and DRF:",
        "",
        "| API use-case list | ms | ratio to the floor |",
        "|---|---:|---:|",
        f"| as served: rows by `use_case_list_item`, permissions by `intake.auth.permissions_sql` | {a * 1000:.2f} "
        f"| {a / f:.2f}x |",
        f"| rows by `UseCaseSerializer` (ModelSerializer, `select_related`) | {plain * 1000:.2f} | {plain / f:.2f}x |",
        f"| permissions by Django's ModelBackend (two ORM queries) | {orm * 1000:.2f} | {orm / f:.2f}x |",
        "",
        f"The five timings above are taken in turn, 15 times each after the warm-up. The written-out permission "
        f"read saves {saving:.0%} of the request; it stays while it saves at least {KEEP_STATEMENT_SAVING:.0%}.",
    ])
    return {"title": "REST API use-case list", "body": body, "ok": ok}
