"""The OpenAPI schema, shaped for generated clients (openapi-python-client, openapi-generator,
openapi-typescript): one shape per field, errors as two shared components, and each operation
declaring only the statuses it can answer with.

- 400 ``ValidationError`` where input is read: writes, and lists (filters, cursor, ordering).
- 401 where credentials are needed, 403 on writes (a refusal with its reason), 404 where a path
  names a record, 429 everywhere (with ``Retry-After``), all ``ApiError``.
- 409 on POSTs that take an Idempotency-Key (the same key still running) and where an operation
  declares its own conflict (a refused gate, a pack not ready); 412 where If-Match is accepted.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

VALIDATION_ERROR = "ValidationError"
API_ERROR = "ApiError"
ERROR_COMPONENTS = {
    VALIDATION_ERROR: {
        "type": "object",
        "description": "Invalid input: each field with its list of messages (nested input nests the same way); "
                       "non_field_errors for the input as a whole, detail for a body that is not JSON.",
        "properties": {
            "non_field_errors": {"type": "array", "items": {"type": "string"}},
            "detail": {"type": "string"},
        },
        "additionalProperties": {},
    },
    API_ERROR: {
        "type": "object",
        "description": "Any other error: what went wrong, in words meant for the person using the client.",
        "required": ["detail"],
        "properties": {
            "detail": {"type": "string"},
            "code": {"type": "string", "description": "invalid_transition: the record's state forbids the move."},
            "unmet": {"type": "array", "items": {"$ref": "#/components/schemas/GateCriterion"},
                      "description": "A refused scale decision: each unmet gate criterion, as the gate "
                                     "evaluation lists it."},
        },
    },
}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def error(description: str) -> OpenApiResponse:
    """An ApiError response, for an operation's own 409 (or other refusal) with its meaning."""
    return OpenApiResponse(_ref(API_ERROR), description=description)


ERRORS = {
    400: OpenApiResponse(_ref(VALIDATION_ERROR), description="Invalid input: each field with its messages."),
    401: error("No credentials, or they are not valid."),
    403: error("You may see this but not do this; the reason is given."),
    404: error("Missing, or not visible to you."),
    409: error("A request with this Idempotency-Key is still running: retry shortly for its response."),
    412: error("If-Match does not match the record's current ETag: read it again, then retry."),
    429: error("Throttled: retry after Retry-After seconds."),
}

IF_MATCH = OpenApiParameter("If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER,
                            description="The ETag you read; a stale one is refused with 412 and changes nothing.")
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER,
    description="Any unique string (1-255 printable characters): a repeat with the same key returns the first "
                "response and creates nothing new.")
ETAG = OpenApiParameter("ETag", OpenApiTypes.STR, OpenApiParameter.HEADER, response=[200, 201],
                        description="The record's version: send it back in If-Match to update it safely.")
RETRY_AFTER = OpenApiParameter("Retry-After", OpenApiTypes.INT, OpenApiParameter.HEADER, response=[429],
                               description="Seconds to wait before trying again.")
RECORD_ID = OpenApiParameter("id", OpenApiTypes.INT64, OpenApiParameter.PATH, description="The record's id.")


class AutoSchema(SpectacularAutoSchema):
    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self.method == "POST" and getattr(self.view, "idempotent", True):
            parameters.append(IDEMPOTENCY_KEY)
        if getattr(self.view, "action", None) in getattr(self.view, "etag_actions", ()):
            parameters.append(ETAG)
        if "{id}" in self.path:  # ids are integers, whatever regular expression routes them
            parameters.append(RECORD_ID)
        return [*parameters, RETRY_AFTER]

    def get_summary(self) -> str | None:
        summary = super().get_summary()
        model = getattr(getattr(self.view, "queryset", None), "model", None)
        if summary or model is None:
            return summary
        meta = model._meta  # Django's documented Options API
        if self._is_list_view():
            return f"List {meta.verbose_name_plural}"
        return f"One {meta.verbose_name}"

    def _map_basic_serializer(self, serializer, direction):
        component = super()._map_basic_serializer(serializer, direction)
        if direction == "response":
            # A response carries every field of its serializer, null or not: all are required.
            component["required"] = [name for name, field in component["properties"].items()
                                     if not field.get("writeOnly")]
        return component

    def _declared(self, name: str) -> bool:
        return any(getattr(parameter, "name", None) == name for parameter in self.get_override_parameters())

    def _error_codes(self) -> list[int]:
        authenticated = bool(self.get_auth())
        codes = {
            400: self.method in ("POST", "PUT", "PATCH") or self._is_list_view(),
            401: authenticated,
            403: authenticated and self.method in WRITE_METHODS,
            404: "{" in self.path,
            409: self.method == "POST" and getattr(self.view, "idempotent", True),
            412: self._declared(IF_MATCH.name),
            429: True,
        }
        return [code for code, applies in codes.items() if applies]

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(
                    ERRORS[code], str(code), media_types=["application/json"], direction=direction)
        return responses


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.TokenAuthentication"
    name = "tokenAuth"
    priority = 1

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "`Authorization: Token <token>` (or Bearer, below)."}


class BearerScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerAuthentication"
    name = "bearerAuth"
    priority = 2

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer",
                "description": "`Authorization: Bearer <token>`: the token from POST /api/v1/auth/token/ "
                               "(or a service account's). Generated clients send this by default."}


NULL = {"type": "null"}


def _null_as_type(node) -> None:
    """OpenAPI 3.1 spells null as a type: spectacular's NullEnum branch becomes ``{type: "null"}``
    (a nullable choice reads ``oneOf: [its enum, null]``), and a hand-written ``nullable`` a type list."""
    if isinstance(node, dict):
        if node.get("$ref") == "#/components/schemas/NullEnum":
            del node["$ref"]
            node.update(NULL)
        if node.pop("nullable", False) and isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
        for value in node.values():
            _null_as_type(value)
    elif isinstance(node, list):
        for value in node:
            _null_as_type(value)


def postprocess(result, generator, request, public):
    """Shared error components, null as a type, and ``security: []`` where none is needed."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(ERROR_COMPONENTS)
    schemas.pop("NullEnum", None)
    _null_as_type(result)
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            operation.setdefault("security", [])
            for code, response in operation.get("responses", {}).items():
                if int(code) >= 400 and "content" not in response:
                    response["content"] = {"application/json": {"schema": _ref(API_ERROR)}}
    return result
