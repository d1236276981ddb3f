"""What SCIM lists and filters: the people the IdP knows and the IdP groups (``filter=userName eq "x"``).

django-scim2's own parsers build raw SQL over the user table; these turn the filter into a Django Q
(scim2-filter-parser's transpiler) over the same querysets the views read one resource from. A
module of its own: django-scim2 reads the parsers' ``attr_map`` while its adapters load.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django_scim.exceptions import BadRequestError
from scim2_filter_parser.transpilers.django_q_object import get_query

from identity.models import IdpGroup


def scim_users() -> QuerySet:
    """Every SCIM User: the people with an identity at the IdP (made by SCIM or an OIDC sign-in)."""
    return (get_user_model()._default_manager.filter(external_identity__isnull=False)
            .select_related("external_identity").prefetch_related("idp_groups")
            .order_by("external_identity__scim_id"))


def scim_groups() -> QuerySet:
    return IdpGroup.objects.prefetch_related("members__external_identity").order_by("scim_id")


class _Filter:
    attr_map: dict = {}

    @classmethod
    def queryset(cls) -> QuerySet:
        raise NotImplementedError

    @classmethod
    def search(cls, filter_query: str, request=None) -> list:
        try:
            q = get_query(filter_query, cls.attr_map)
        except Exception as exc:  # the parser raises several kinds; all mean the same to the client
            raise BadRequestError(f"The filter {filter_query!r} is not valid SCIM filter syntax.",
                                  scim_type="invalidFilter") from exc
        if q is None:
            known = ", ".join(sorted({key[0] if not key[1] else f"{key[0]}.{key[1]}" for key in cls.attr_map}))
            raise BadRequestError(f"The filter {filter_query!r} names an attribute that cannot be filtered on "
                                  f"(these can: {known}).", scim_type="invalidFilter")
        try:
            # Evaluated here, so a value that cannot be one ('id eq "x"', not a UUID) is the client's error.
            return list(cls.queryset().filter(q).distinct())
        except (ValidationError, ValueError, TypeError) as exc:
            raise BadRequestError(f"The filter {filter_query!r} compares with a value of the wrong kind.",
                                  scim_type="invalidFilter") from exc


class UserFilter(_Filter):
    attr_map = {
        ("userName", None, None): "username",
        ("externalId", None, None): "external_identity__scim_external_id",
        ("id", None, None): "external_identity__scim_id",
        ("name", "givenName", None): "first_name",
        ("name", "familyName", None): "last_name",
        ("emails", None, None): "email",
        ("emails", "value", None): "email",
        ("active", None, None): "is_active",
    }

    @classmethod
    def queryset(cls) -> QuerySet:
        return scim_users()


class GroupFilter(_Filter):
    attr_map = {
        ("displayName", None, None): "name",
        ("externalId", None, None): "external_id",
        ("id", None, None): "scim_id",
        ("members", "value", None): "members__external_identity__scim_id",
        ("members", None, None): "members__external_identity__scim_id",
    }

    @classmethod
    def queryset(cls) -> QuerySet:
        return scim_groups()


def queryset_post_processor_getter(model):
    """GET_QUERYSET_POST_PROCESSOR_GETTER: an unfiltered list reads the same querysets as a filter."""
    def post_process(request, qs, *args, **kwargs):
        return scim_groups() if model is IdpGroup else scim_users()
    return post_process
