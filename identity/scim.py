"""The SCIM 2.0 edge (RFC 7643/7644) on django-scim2: adapters, views and the service provider config.

django-scim2 routes, authenticates (``identity.scim_auth``), lists, filters (``identity.scim_filters``)
and pages. Its adapters are ours: they turn SCIM JSON into calls of ``identity.provisioning`` (which
decides, in one transaction, and checks the caller's permission) and back. Nothing is written here.
Why the library and how it is bent: docs/decisions/scim.md.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django_scim import constants, views
from django_scim.adapters import SCIMGroup, SCIMUser
from django_scim.exceptions import BadRequestError, NotFoundError, SCIMException
from django_scim.models import SCIMServiceProviderConfig

from identity import provisioning
from identity.provisioning import PersonAttributes
from identity.scim_auth import CHALLENGE, SCIM_CONTENT_TYPE, scim_error
from identity.scim_filters import scim_groups, scim_users

User = get_user_model()
USER_SCHEMA = constants.SchemaURI.USER
GROUP_SCHEMA = constants.SchemaURI.GROUP
MAX_RESULTS = 200  # resources in one list response
EXTENSIONS = "urn:ietf:params:scim:schemas:extension:"
# The RFC 7644 3.12 scimTypes a provisioning refusal's code may carry; any other code is an invalidValue.
SCIM_TYPES = {"invalidFilter", "tooMany", "uniqueness", "mutability", "invalidSyntax", "invalidPath", "noTarget",
              "invalidValue", "invalidVers", "sensitive"}


def base_location(request=None, *args, **kwargs) -> str:
    """BASE_LOCATION_GETTER: resource locations are under SITE_URL, the address people use."""
    return settings.SITE_URL


def _bad(detail: str, scim_type: str = "invalidValue") -> BadRequestError:
    return BadRequestError(detail, scim_type=scim_type)


@contextmanager
def _refusals() -> Iterator[None]:
    """A provisioning service's refusal as the SCIM error it means."""
    try:
        yield
    except PermissionDenied as exc:
        raise SCIMException(str(exc) or "Not allowed.", status=403) from exc
    except ValidationError as exc:
        code = getattr(exc, "code", None)
        scim_type = code if code in SCIM_TYPES else "invalidValue"
        raise SCIMException(" ".join(exc.messages), status=409 if scim_type == "uniqueness" else 400,
                            scim_type=scim_type) from exc


def _boolean(value, label: str) -> bool:
    # Entra ID sends booleans as the strings "True" and "False".
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise _bad(f"{label} must be true or false.")


def _primary_email(value) -> str:
    """The primary (else the first) address of a SCIM ``emails`` value; OneLogin sends one object."""
    if value in (None, "", []):
        return ""
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise _bad("emails must be a list of objects with a 'value'.")
    ordered = sorted(value, key=lambda item: not _boolean(item.get("primary", False), "emails.primary"))
    return ordered[0].get("value") or ""


_PATH = re.compile(r"^(?P<attr>[A-Za-z][\w$-]*)(?:\[(?P<filter>[^\]]*)\])?(?:\.(?P<sub>[A-Za-z][\w$-]*))?$")


def _split_path(path, core_schema: str) -> tuple[str, str | None, str | None] | None:
    """(attribute, filter, sub-attribute) of a PATCH path, lower-cased; None for an extension's attribute."""
    if not isinstance(path, str) or not path.strip():
        raise _bad(f"The path {path!r} is not an attribute path.", "invalidPath")
    path = path.strip()
    if path.lower().startswith(core_schema.lower() + ":"):
        path = path[len(core_schema) + 1:]
    elif path.lower().startswith(EXTENSIONS):
        return None  # e.g. the enterprise extension's department: not something Stagegate keeps
    match = _PATH.match(path)
    if match is None:
        raise _bad(f"The path {path!r} is not an attribute path.", "invalidPath")
    return match["attr"].lower(), match["filter"], (match["sub"] or "").lower() or None


def _operations(operations) -> Iterator[tuple[int, str, object, object]]:
    """(number, op, path, value) of each PATCH operation, after checking its shape."""
    if not isinstance(operations, list) or not operations:
        raise _bad("Operations must be a list of operations.", "invalidSyntax")
    for number, operation in enumerate(operations, 1):
        if not isinstance(operation, dict):
            raise _bad(f"Operation {number} is not an object.", "invalidSyntax")
        op = str(operation.get("op", "")).lower()
        if op not in constants.VALID_PATCH_OPS:
            raise _bad(f"Operation {number}: unknown op {operation.get('op')!r} (use add, replace or remove).",
                       "invalidSyntax")
        path = operation.get("path")
        if path in (None, "") and op == "remove":
            raise _bad(f"Operation {number}: remove needs a path.", "noTarget")
        yield number, op, path, operation.get("value")


# -- Users -----------------------------------------------------------------------------------------

# SCIM User attributes Stagegate keeps: PATCH path -> PersonAttributes field.
USER_FIELDS = {"username": "user_name", "externalid": "external_id", "active": "active",
               "name.givenname": "given_name", "name.familyname": "family_name"}
# Core attributes an IdP sends that Stagegate does not keep: accepted and ignored. A password is never
# stored: people sign in through the IdP.
USER_IGNORED = {"displayname", "nickname", "profileurl", "title", "usertype", "preferredlanguage", "locale",
                "timezone", "phonenumbers", "addresses", "ims", "photos", "x509certificates", "entitlements",
                "roles", "password", "name", "id", "schemas", "meta", "groups"}


def person_from_resource(resource: dict, current: PersonAttributes | None = None) -> PersonAttributes:
    """A POST's or PUT's User resource. An absent ``active`` leaves it as it is (a new person is active)."""
    name = resource.get("name") or {}
    if not isinstance(name, dict):
        raise _bad("name must be an object (givenName, familyName).")
    active = resource.get("active")
    return PersonAttributes(
        user_name=resource.get("userName") or "", given_name=name.get("givenName") or "",
        family_name=name.get("familyName") or "", email=_primary_email(resource.get("emails")),
        active=(current.active if current else True) if active is None else _boolean(active, "active"),
        external_id=resource.get("externalId") or "")


def _attribute_operations(operations):
    """Each operation as (number, op, path, value); a path-less one's object of attributes (Okta's
    shape) spread into one per attribute."""
    for number, op, path, value in _operations(operations):
        if path not in (None, ""):
            yield number, op, path, value
            continue
        if not isinstance(value, dict):
            raise _bad(f"Operation {number}: without a path, the value must be an object of attributes.",
                       "invalidSyntax")
        for key, item in value.items():
            yield number, op, key, item


def person_patched(attrs: PersonAttributes, operations) -> PersonAttributes:
    """The person after a PATCH's operations, all checked before anything is written."""
    for number, op, path, value in _attribute_operations(operations):
        attrs = _person_set(attrs, number, op, path, value)
    return attrs


def _person_set(attrs: PersonAttributes, number: int, op: str, path, value) -> PersonAttributes:
    parts = _split_path(path, USER_SCHEMA)
    if parts is None:
        return attrs
    attr, _filter, sub = parts
    if attr == "name" and sub is None and op != "remove":
        if not isinstance(value, dict):
            raise _bad(f"Operation {number}: name must be an object.")
        for key, item in value.items():
            attrs = _person_set(attrs, number, op, f"name.{key}", item)
        return attrs
    if attr == "name" and sub is None:
        return replace(attrs, given_name="", family_name="")
    if attr == "emails":
        # emails, emails.value, emails[type eq "work"].value: Stagegate keeps one address.
        if op == "remove":
            return replace(attrs, email="")
        if sub == "value" or (sub is None and isinstance(value, str)):
            return replace(attrs, email=value)
        if sub is None:
            return replace(attrs, email=_primary_email(value))
        return attrs if sub in ("type", "primary", "display") else _no_path(number, path)
    field = USER_FIELDS.get(f"{attr}.{sub}" if sub else attr)
    if field is None:
        if attr in USER_IGNORED:
            return attrs
        _no_path(number, path)
    if op == "remove":
        if field in ("user_name", "active"):
            raise _bad(f"Operation {number}: {path} cannot be removed.", "mutability")
        return replace(attrs, **{field: ""})
    if field == "active":
        value = _boolean(value, "active")
    return replace(attrs, **{field: value})


def _no_path(number: int, path) -> None:
    raise _bad(f"Operation {number}: {path!r} is not a User attribute Stagegate knows.", "invalidPath")


def _person_now(user) -> PersonAttributes:
    return PersonAttributes(user_name=user.username, given_name=user.first_name, family_name=user.last_name,
                            email=user.email, active=user.is_active,
                            external_id=user.external_identity.scim_external_id)


class StagegateSCIMUser(SCIMUser):
    """auth.User with its ExternalIdentity as a SCIM User; its id is the identity's scim_id."""

    id_field = "external_identity__scim_id"

    @property
    def id(self) -> str:
        return str(self.obj.external_identity.scim_id)

    @property
    def display_name(self) -> str:
        return self.obj.get_full_name() or self.obj.username

    def to_dict(self) -> dict:
        resource = {
            "schemas": [USER_SCHEMA],
            "id": self.id,
            "userName": self.obj.username,
            "name": {"givenName": self.obj.first_name, "familyName": self.obj.last_name,
                     "formatted": self.obj.get_full_name()},
            "displayName": self.display_name,
            "emails": [{"value": self.obj.email, "primary": True, "type": "work"}] if self.obj.email else [],
            "active": self.obj.is_active,
            "groups": [{"value": str(group.scim_id), "display": group.name,
                        "$ref": base_location() + reverse("scim:groups", kwargs={"uuid": group.scim_id})}
                       for group in self.obj.idp_groups.all()],
            "meta": {"resourceType": "User", "created": self.obj.date_joined.isoformat(), "location": self.location},
        }
        if self.obj.external_identity.scim_external_id:
            resource["externalId"] = self.obj.external_identity.scim_external_id
        return resource

    def validate_dict(self, d) -> None:
        """Checked by from_dict and the service."""

    def from_dict(self, d: dict) -> None:
        # Only remembered: save() hands it to the service, which writes.
        current = _person_now(self.obj) if self.obj.pk else None
        self._attributes = person_from_resource(d, current)

    def save(self) -> None:
        actor = self.request.user
        with _refusals():
            if self.obj.pk is None:
                self.obj = provisioning.scim_user_create(actor=actor, attributes=self._attributes)
            else:
                self.obj = provisioning.scim_user_update(actor=actor, user=self.obj, attributes=self._attributes)
        self.obj = scim_users().get(pk=self.obj.pk)

    def delete(self) -> None:
        with _refusals():
            provisioning.scim_user_delete(actor=self.request.user, user=self.obj)

    def handle_operations(self, operations) -> None:
        self._attributes = person_patched(_person_now(self.obj), operations)
        self.save()


# -- Groups ----------------------------------------------------------------------------------------


def _member_ids(value, number: int | None = None) -> list[str]:
    where = f"Operation {number}: " if number else ""
    if value is None:
        return []
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, dict) and "value" in item for item in value):
        raise _bad(f"{where}members must be a list of objects with a 'value' (the user's SCIM id).")
    return [str(item["value"]) for item in value]


def _users(ids: list[str]) -> set:
    """The people these SCIM ids name; an unknown id is the client's error, not silently dropped."""
    wanted = set()
    for value in ids:
        try:
            wanted.add(uuid.UUID(value))
        except ValueError:
            raise _bad(f"{value!r} is not a SCIM User id.") from None
    found = scim_users().filter(external_identity__scim_id__in=wanted)
    users = {user.external_identity.scim_id: user for user in found}
    unknown = sorted(str(key) for key in wanted - users.keys())
    if unknown:
        raise _bad(f"No SCIM User with the id {', '.join(unknown)}.")
    return set(users.values())


_MEMBER_FILTER = re.compile(r'^\s*value\s+eq\s+"(?P<id>[^"]*)"\s*$', re.IGNORECASE)


class StagegateSCIMGroup(SCIMGroup):
    """IdpGroup as a SCIM Group: displayName is its name, members are SCIM Users."""

    @property
    def display_name(self) -> str:
        return self.obj.name

    @property
    def members(self) -> list[dict]:
        return [{"value": str(user.external_identity.scim_id), "display": user.get_full_name() or user.username,
                 "$ref": base_location() + reverse("scim:users", kwargs={"uuid": user.external_identity.scim_id})}
                for user in self.obj.members.all() if hasattr(user, "external_identity")]

    def to_dict(self) -> dict:
        resource = {"schemas": [GROUP_SCHEMA], "id": self.id, "displayName": self.obj.name}
        if self.obj.external_id:
            resource["externalId"] = self.obj.external_id
        # IdPs ask for big groups without their members (Entra, Okta: excludedAttributes=members).
        excluded = {name.strip().lower() for name in self.request.GET.get("excludedAttributes", "").split(",")}
        if "members" not in excluded:
            resource["members"] = self.members
        resource["meta"] = {"resourceType": "Group", "created": self.obj.created_at.isoformat(),
                            "location": self.location}
        return resource

    def validate_dict(self, d) -> None:
        """Checked by from_dict and the service."""

    def from_dict(self, d: dict) -> None:
        self._name = d.get("displayName") or ""
        self._external_id = d.get("externalId") or ""
        self._members = _users(_member_ids(d.get("members")))

    def save(self) -> None:
        with _refusals():
            if self.obj.pk is None:
                self.obj = provisioning.scim_group_create(
                    actor=self.request.user, display_name=self._name, external_id=self._external_id,
                    members=self._members)
            else:
                self.obj = provisioning.scim_group_update(
                    actor=self.request.user, group=self.obj, display_name=self._name,
                    external_id=self._external_id, members=self._members)
        self.obj = scim_groups().get(pk=self.obj.pk)

    def delete(self) -> None:
        with _refusals():
            provisioning.scim_group_delete(actor=self.request.user, group=self.obj)

    def handle_operations(self, operations) -> None:
        """Entra's and Okta's PATCH shapes: add/remove/replace ``members`` (a list, or a
        ``members[value eq "id"]`` path), replace ``displayName``/``externalId`` (by path, or an object)."""
        members = set(self.obj.members.all())
        changes: dict = {}
        for number, op, path, value in _attribute_operations(operations):
            members = self._apply(number, op, path, value, members, changes)
        with _refusals():
            provisioning.scim_group_update(actor=self.request.user, group=self.obj, members=members, **changes)
        self.obj = scim_groups().get(pk=self.obj.pk)

    @staticmethod
    def _apply(number: int, op: str, path, value, members: set, changes: dict) -> set:
        parts = _split_path(path, GROUP_SCHEMA)
        if parts is None:
            return members
        attr, member_filter, sub = parts
        if attr == "members" and member_filter is not None:
            match = _MEMBER_FILTER.match(member_filter)
            if match is None or sub is not None or op != "remove":
                raise _bad(f"Operation {number}: only remove members[value eq \"id\"] is supported.", "invalidPath")
            return members - _users([match["id"]])
        if attr == "members" and sub is None:
            given = _users(_member_ids(value, number))
            if op == "add":
                return members | given
            if op == "replace":
                return given
            return members - given if value is not None else set()  # remove without a value: everyone
        if attr in ("displayname", "externalid") and sub is None:
            if op == "remove" and attr == "displayname":
                raise _bad(f"Operation {number}: displayName cannot be removed.", "mutability")
            if value is not None and not isinstance(value, str):
                raise _bad(f"Operation {number}: {path} must be a string.")
            changes["display_name" if attr == "displayname" else "external_id"] = "" if op == "remove" else value
            return members
        if attr in ("id", "schemas", "meta") and sub is None:
            return members  # Okta repeats the id in a replace's value
        raise _bad(f"Operation {number}: {path!r} is not a Group attribute Stagegate knows.", "invalidPath")


# -- Views -----------------------------------------------------------------------------------------


class ServiceProviderConfig(SCIMServiceProviderConfig):
    """What this service provider supports (RFC 7643 5)."""

    def to_dict(self) -> dict:
        return {
            "schemas": [constants.SchemaURI.SERVICE_PROVIDER_CONFIG],
            "documentationUri": settings.SITE_URL,
            "patch": {"supported": True},
            "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": True, "maxResults": MAX_RESULTS},
            "changePassword": {"supported": False},
            "sort": {"supported": False},
            "etag": {"supported": False},
            "authenticationSchemes": [{
                "type": "oauthbearertoken", "name": "Bearer token", "primary": True,
                "description": "The SCIM service account's token (manage.py create_scim_token), sent as "
                               "'Authorization: Bearer <token>'.",
            }],
            "meta": self.meta,
        }


class _StagegateView:
    """Stagegate's answers where django-scim2's differ from RFC 7644: a body that is not a JSON
    object is invalidSyntax, an id that is not a UUID is 404, an error's status is a string."""

    def load_body(self, body: bytes) -> dict:
        try:
            data = json.loads(body.decode("utf-8").strip() or "{}")
        except (UnicodeDecodeError, ValueError) as exc:
            raise _bad(f"The body is not valid JSON: {exc}.", "invalidSyntax") from None
        if not isinstance(data, dict):
            raise _bad("The body must be a JSON object.", "invalidSyntax")
        return data

    def _page(self, request) -> tuple[int, int]:
        # RFC 7644 3.4.2.4: a negative count is 0; more than maxResults gets maxResults.
        start, count = super()._page(request)
        return start, max(0, min(count, MAX_RESULTS))

    def get_object(self):
        key = self.kwargs.get(self.lookup_url_kwarg) or ""
        try:
            scim_id = uuid.UUID(key)
        except ValueError:
            raise NotFoundError(key) from None
        found = self.queryset().filter(**{self.lookup_field: scim_id}).first()
        if found is None:
            raise NotFoundError(key)
        return found

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        if response.status_code >= 400 and response.get("Content-Type", "").startswith(SCIM_CONTENT_TYPE):
            try:
                body = json.loads(response.content or b"{}")
            except ValueError:
                body = {}
            if isinstance(body.get("status"), int):
                response = scim_error(body["status"], body.get("detail", ""), body.get("scimType"))
        if response.status_code == 401:
            response["WWW-Authenticate"] = response.get("WWW-Authenticate", CHALLENGE)
        return response


class _Resources(_StagegateView):
    def post(self, request, *args, **kwargs):
        # django-scim2 would create a resource whatever id the path names.
        if kwargs.get(self.lookup_url_kwarg):
            return scim_error(405, "Create with a POST to the collection (no id in the path).")
        return super().post(request, *args, **kwargs)


class UsersView(_Resources, views.UsersView):
    queryset = staticmethod(scim_users)


class GroupsView(_Resources, views.GroupsView):
    queryset = staticmethod(scim_groups)


class ServiceProviderConfigView(_StagegateView, views.ServiceProviderConfigView):
    pass


class ResourceTypesView(_StagegateView, views.ResourceTypesView):
    pass


class SchemasView(_StagegateView, views.SchemasView):
    pass


def not_found(request, *args, **kwargs):
    """Anything else under /scim/v2/: a SCIM 404, not the site's page."""
    return scim_error(404, f"There is no SCIM endpoint at {request.path}.")
