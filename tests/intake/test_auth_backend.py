"""The auth backend reads a person's permissions with ModelBackend's rule, in one written-out statement.

Every API request asks for them (global viewers skip the per-object filter);
docs/benchmarks.md times the statement against ModelBackend's two ORM queries.
These tests hold it to the same answers as Django's own ModelBackend.
"""

import pytest
from django.apps import apps
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import post_migrate

from intake import permissions
from intake.auth import HumanOnlyModelBackend
from intake.models import UseCase
from tests.factories import UserFactory


def _perm(codename: str) -> Permission:
    return Permission.objects.get(codename=codename, content_type__app_label="intake")


def _fresh(user):
    return type(user).objects.get(pk=user.pk)  # no permission cache


@pytest.fixture
def people(db):
    pmo = Group.objects.get(name="pmo")
    own = UserFactory(username="own.grant")
    own.user_permissions.add(_perm("override_tier_usecase"))
    both = UserFactory(username="both")
    both.user_permissions.add(_perm("override_tier_usecase"))
    both.groups.add(pmo)
    grouped = UserFactory(username="grouped")
    grouped.groups.add(pmo)
    inactive = UserFactory(username="inactive", is_active=False)
    inactive.groups.add(pmo)
    two = UserFactory(username="two.groups")  # a permission through both groups counts once
    two.groups.add(pmo, Group.objects.get(name="governance_admins"))
    return {"nothing": UserFactory(username="nothing"), "own grant": own, "own and group": both,
            "group only": grouped, "two groups": two, "inactive": inactive,
            "superuser": UserFactory(username="root", is_superuser=True)}


@pytest.mark.parametrize("who", ["nothing", "own grant", "own and group", "group only", "two groups", "inactive",
                                 "superuser"])
def test_same_permissions_as_django_model_backend(people, who):
    ours = HumanOnlyModelBackend().get_all_permissions(_fresh(people[who]))
    django = ModelBackend().get_all_permissions(_fresh(people[who]))
    assert ours == django
    assert (("intake.view_usecase" in ours) == (who in ("own and group", "group only", "two groups", "superuser")))


def test_one_query_then_cached_on_the_user(people, django_assert_num_queries):
    user = _fresh(people["own and group"])
    with django_assert_num_queries(1):
        assert user.has_perm("intake.override_tier_usecase")
        assert user.has_perm("intake.view_usecase")
    with django_assert_num_queries(0):
        assert not user.has_perm("intake.manage_raci_usecase")


@pytest.fixture
def _forget_ids_after():
    yield
    permissions.forget_permission_ids()  # the re-made permission is rolled back with the test


def test_permission_ids_are_forgotten_when_permissions_are_made_again(db, _forget_ids_after):
    """A flush (between transactional tests) or migrate may re-create permissions under new ids."""
    old = permissions.permission_id(UseCase, "view_usecase")
    view = Permission.objects.get(pk=old)
    view.delete()
    made_again = Permission.objects.create(codename="view_usecase", name=view.name,
                                           content_type=ContentType.objects.get_for_model(UseCase))
    intake = apps.get_app_config("intake")
    post_migrate.send(sender=intake, app_config=intake, verbosity=0, interactive=False, using="default",
                      apps=apps, plan=[])
    assert permissions.permission_id(UseCase, "view_usecase") == made_again.pk != old
