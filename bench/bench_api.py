"""The REST API's use-case list against the floor of the same rows.

``GET /api/v1/use-cases/?page_size=100`` through Django's test Client with a
governance admin's token (in-process: middleware, token authentication, the
permission choke point, keyset pagination, serialisation, JSON rendering)
against the floor: the same 100 rows read with ``.values()`` (same columns,
same joins, same order) and dumped with ``json.dumps``. The floor is measured
twice: through ``intake.permissions.use_cases_for`` as the API reads them
(the same rows for this caller), and straight from the table. Target: within
2.5x of the floor, on 10,000 use cases.
"""

from __future__ import annotations

import json

from bench.common import median_seconds

VOLUME = 10_000
PAGE = 100
TARGET_RATIO = 2.5
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

    from api.serializers.usecases import LIST_COLUMNS, USE_CASE_ANNOTATIONS
    from intake import permissions
    from intake.models import UseCase

    client = Client()

    def api():
        response = client.get(URL, HTTP_AUTHORIZATION=f"Token {token}")
        assert response.status_code == 200, response.content[:200]
        return response.content

    def rows(queryset):
        page = queryset.annotate(**USE_CASE_ANNOTATIONS).order_by("updated_at", "id").values(*LIST_COLUMNS)[:PAGE]
        return json.dumps(list(page), default=str)

    def floor():
        admin = User.objects.get(username="apibench.admin")  # the API authenticates a fresh user too
        return rows(permissions.use_cases_for(admin, UseCase.objects.all()))

    def raw_floor():
        return rows(UseCase.objects.all())

    return api, floor, raw_floor


def run() -> dict:
    from intake.models import UseCase

    token = _seed()
    api, floor, raw_floor = _measures(token)
    assert len(json.loads(api())["results"]) == PAGE
    a, f, r = median_seconds(api), median_seconds(floor), median_seconds(raw_floor)
    ok = a / f <= TARGET_RATIO
    body = "\n".join([
        "| use cases | page | API, test Client + token (ms) | floor: same rows via the permission filter (ms) "
        "| ratio | floor without the filter (ms) | ratio |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        f"| {UseCase.objects.count():,} | {PAGE} | {a * 1000:.2f} | {f * 1000:.2f} | {a / f:.2f}x | {r * 1000:.2f} "
        f"| {a / r:.2f}x |",
        "",
        f"Target: within {TARGET_RATIO}x of the floor of the same rows. {'Met.' if ok else 'NOT met.'} "
        "The unfiltered column shows what the permission filter itself costs a global viewer "
        "(`id IN (SELECT id ...)`, see intake.permissions.visible_use_case_ids).",
    ])
    return {"title": "REST API use-case list", "body": body, "ok": ok}
