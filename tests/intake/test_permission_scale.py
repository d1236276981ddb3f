"""A reviewer's first page among 10,000 use cases and 100,000 grant rows:
the query count does not depend on the page size or the volume."""

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from intake import permissions, selectors
from intake.models import UseCase, UseCaseGroupObjectPermission, UseCaseUserObjectPermission
from tests.factories import BusinessUnitFactory, UserFactory

USE_CASES = 10_000
GRANT_ROWS = 100_000

pytestmark = pytest.mark.xdist_group("permission-volume")  # the module's rows live across its tests


@dataclass(frozen=True)
class Volume:
    reviewer: object  # sees the tenth its group was granted
    owner: object  # holds own grants on another tenth


@pytest.fixture(scope="module")
def volume(django_db_setup, django_db_blocker):
    """Bulk rows: 10 grant rows per use case, a tenth of them visible to the reviewer.

    Built once for the module, inside a transaction that is rolled back after its last test (as
    Django's setUpTestData does): each test's own transaction nests in it as a savepoint. The
    module runs on one pytest-xdist worker, so no other module's test meets these rows.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        yield _build_volume()
        transaction.set_rollback(True)


def _build_volume() -> Volume:
    unit = BusinessUnitFactory(code="VOLUME", name="Volume")
    owner = UserFactory(username="volume.owner")
    unit.members.add(owner)
    reviewer = UserFactory(username="sec.volume")
    security = Group.objects.get(name="security")
    reviewer.groups.add(security)
    others = [UserFactory() for _ in range(10)]
    UseCase.objects.bulk_create(
        (UseCase(reference=f"UC-{n:05d}", title=f"Use case {n}", business_unit=unit, created_by=owner,
                 status="submitted", risk_tier="medium") for n in range(USE_CASES)),
        batch_size=2000,
    )
    ids = list(UseCase.objects.filter(business_unit=unit).order_by("id").values_list("id", flat=True))
    view, comment = (Permission.objects.get(codename=c) for c in ("view_usecase", "comment_usecase"))
    UseCaseUserObjectPermission.objects.bulk_create(
        (UseCaseUserObjectPermission(user=user, permission=view, content_object_id=uc_id)
         for uc_id in ids for user in others),
        batch_size=5000,
    )
    UseCaseGroupObjectPermission.objects.bulk_create(
        (UseCaseGroupObjectPermission(group=security, permission=perm, content_object_id=uc_id)
         for uc_id in ids[::10] for perm in (view, comment)),
        batch_size=5000,
    )
    UseCaseUserObjectPermission.objects.bulk_create(
        (UseCaseUserObjectPermission(user=owner, permission=view, content_object_id=uc_id) for uc_id in ids[1::10]),
        batch_size=5000,
    )
    total = UseCaseUserObjectPermission.objects.count() + UseCaseGroupObjectPermission.objects.count()
    assert total >= GRANT_ROWS
    return Volume(reviewer=reviewer, owner=owner)


def first_page(user, size):
    listed = selectors.use_case_list(queryset=UseCase.objects.all())
    rows = list(permissions.visible_use_cases_page(user, listed)[:size])
    facts = permissions.permission_facts(user, rows)
    return rows, facts


def test_first_page_runs_constant_queries_whatever_its_size(volume, db, django_assert_max_num_queries):
    counts = {}
    permissions.permission_id(UseCase, "view_usecase")  # cached per process (as content types): warm, as a live server
    for size in (10, 100):
        reviewer = type(volume.reviewer).objects.get(pk=volume.reviewer.pk)  # fresh user: no cached permissions
        with django_assert_max_num_queries(6) as captured:
            rows, facts = first_page(reviewer, size)
        counts[size] = len(captured.captured_queries)
        assert len(rows) == size
        # The reviewer sees exactly the tenth its group was granted, with per-row facts.
        assert all(int(r.reference[3:]) % 10 == 0 for r in rows)
        assert all("comment_usecase" in facts[r.id].perms for r in rows)
    assert counts[10] == counts[100]


def test_both_filter_shapes_select_the_same_use_cases(volume, db):
    """The page probes grants row by row and counts with the ids hashed once: the same rows either way."""
    for user in (volume.reviewer, volume.owner):
        hashed = set(permissions.visible_use_cases(user).values_list("id", flat=True))
        probed = set(permissions.visible_use_cases_page(user).values_list("id", flat=True))
        assert hashed == probed
        assert len(hashed) >= USE_CASES // 10


def test_list_page_counts_what_it_pages(volume, client, db):
    client.force_login(volume.reviewer)
    response = client.get("/intake/")
    assert response.status_code == 200
    page = response.context["page"]
    assert page.paginator.count == USE_CASES // 10
    assert all(int(r.reference[3:]) % 10 == 0 for r in page.object_list)


@pytest.fixture
def grants_three_ways(ava, custops):
    """A reader who may see one use case through each of two groups and one through an own grant."""
    from guardian.shortcuts import assign_perm

    from tests.factories import UseCaseFactory

    reader = UserFactory(username="reader")
    first, second = Group.objects.create(name="first readers"), Group.objects.create(name="second readers")
    reader.groups.add(first, second)
    seen = {UseCaseFactory(business_unit=custops, created_by=ava) for _ in range(3)}
    by_first, by_second, own = sorted(seen, key=lambda uc: uc.pk)
    assign_perm("intake.view_usecase", first, by_first)
    assign_perm("intake.view_usecase", second, by_second)
    assign_perm("intake.view_usecase", reader, own)
    hidden = UseCaseFactory(business_unit=custops, created_by=ava)
    assign_perm("intake.view_usecase", Group.objects.create(name="not the reader's"), hidden)
    assign_perm("intake.comment_usecase", first, hidden)  # another permission of one of the reader's groups
    return reader, {uc.reference for uc in seen}


@pytest.mark.parametrize("row_by_row", [False, True], ids=["ids hashed once", "probed row by row"])
def test_every_group_of_the_reader_and_their_own_grants_count(grants_three_ways, row_by_row):
    reader, seen = grants_three_ways
    listed = _visible(reader, row_by_row).order_by("updated_at", "id")
    assert set(listed.values_list("reference", flat=True)) == seen


@pytest.mark.parametrize("row_by_row", [False, True], ids=["ids hashed once", "probed row by row"])
def test_the_filter_holds_inside_another_query(grants_three_ways, row_by_row):
    """Nested as a subquery, Django renames the outer tables (U0, V0, ...); the written-out grant
    subquery (intake.permissions.VisibleIds) keeps its own aliases and still probes the right row."""
    reader, seen = grants_three_ways
    inner = _visible(reader, row_by_row).values("id")
    nested = UseCase.objects.filter(id__in=inner).values_list("reference", flat=True)
    assert set(nested) == seen
    assert set(UseCase.objects.exclude(id__in=inner).values_list("reference", flat=True)).isdisjoint(seen)


def test_the_readers_groups_are_read_once_per_query_not_per_row(grants_three_ways):
    """On PostgreSQL the groups are an array built once (an InitPlan): a join inside the per-row
    probe was rebuilt for every use case walked, half of a reviewer's list (docs/benchmarks.md)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the array form is PostgreSQL's; SQLite runs IN (subquery) once by itself")
    reader, _seen = grants_three_ways
    queryset = permissions.visible_use_cases_page(reader).order_by("updated_at", "id")[:50]
    plan = queryset.explain()
    assert "InitPlan" in plan
    assert "auth_user_groups" not in plan.split("InitPlan", 1)[0]


def test_a_prepared_statements_generic_plan_never_scans_other_users_grants(volume, db):
    """After five runs a prepared statement may switch to a generic plan, which knows no user id. A
    look at the user's own grants outside the per-row probe (tried: "does this user hold any?", asked
    once) was then planned as a scan of every other user's grants, 80 ms at 100,000 use cases; the
    per-row probe stays an index lookup."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("generic plans of prepared statements are PostgreSQL's")
    queryset = permissions.visible_use_cases_page(volume.reviewer,
                                                  selectors.use_case_list(queryset=UseCase.objects.all()))[:25]
    sql, params = queryset.query.sql_with_params()
    assert all(isinstance(p, int) for p in params)
    parts = sql.split("%s")
    numbered = "".join(part + (f"${n}" if n < len(parts) else "") for n, part in enumerate(parts, start=1))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE intake_usecaseuserobjectpermission, intake_usecasegroupobjectpermission")
        cursor.execute("SET plan_cache_mode = force_generic_plan")
        try:
            cursor.execute(f"PREPARE visible_probe AS {numbered.replace('%%', '%')}")
            cursor.execute(f"EXPLAIN EXECUTE visible_probe({', '.join(str(p) for p in params)})")
            plan = "\n".join(row[0] for row in cursor.fetchall())
            cursor.execute(f"EXECUTE visible_probe({', '.join(str(p) for p in params)})")
            listed = [row[0] for row in cursor.fetchall()]
        finally:
            cursor.execute("DEALLOCATE visible_probe")
            cursor.execute("RESET plan_cache_mode")
    assert "Seq Scan on intake_usecaseuserobjectpermission" not in plan
    assert listed == [uc.id for uc in queryset]


def _visible(user, row_by_row: bool):
    return (permissions.visible_use_cases_page if row_by_row else permissions.visible_use_cases)(user)
