"""Keyset pagination over (sync key, id), the order delta sync relies on: why in
docs/decisions/keyset-paging.md."""

from __future__ import annotations

import base64
import binascii
import datetime
import json
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.urls import replace_query_param

MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class Position:
    """Where a page starts: the cursor, opaque to clients (URL-safe base64 of JSON)."""

    value: datetime.datetime
    id: int
    ordering: str
    before: bool = False

    def encode(self) -> str:
        raw = json.dumps({"v": self.value.isoformat(), "i": self.id, "o": self.ordering, "b": int(self.before)})
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str, orderings: tuple[str, ...]) -> Position:
        try:
            raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            value = datetime.datetime.fromisoformat(raw["v"])
            position = cls(value=value if timezone.is_aware(value) else timezone.make_aware(value),
                           id=int(raw["i"]), ordering=str(raw["o"]), before=bool(raw["b"]))
        except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError, OverflowError):
            raise ValidationError({"cursor": ["Invalid cursor: use the next or previous link as given."]}) from None
        if position.ordering not in orderings or not 0 < position.id < 2**63:
            raise ValidationError({"cursor": ["Invalid cursor: use the next or previous link as given."]})
        return position


def _value(row, name: str):
    return row[name] if isinstance(row, dict) else getattr(row, name)


class KeysetPagination(BasePagination):
    """{"next": url | null, "previous": url | null, "next_cursor": str | null, "previous_cursor": str | null,
    "results": [...]}, ordered by (sync key, id)."""

    page_size = api_settings.PAGE_SIZE or 50
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    ordering_query_param = "ordering"

    def paginate_queryset(self, queryset, request, view=None):
        self.url = request.build_absolute_uri()
        key = view.sync_field
        orderings = (key, f"-{key}")
        size = self._page_size(request)
        token = request.query_params.get(self.cursor_query_param)
        cursor = Position.decode(token, orderings) if token else None
        ordering = cursor.ordering if cursor else self._ordering(request, orderings)
        before = bool(cursor and cursor.before)
        # Walk the index upwards when paging forward in ascending order (or backward in descending).
        greater = ordering.startswith("-") == before
        if cursor:
            op = "gt" if greater else "lt"
            after = Q(**{f"{key}__{op}": cursor.value}) | Q(**{key: cursor.value, f"id__{op}": cursor.id})
            queryset = queryset.filter(after)
        rows = list(queryset.order_by(*((key, "id") if greater else (f"-{key}", "-id")))[: size + 1])
        more, rows = len(rows) > size, rows[:size]
        if before:
            rows.reverse()
        self._links(rows, cursor, ordering, more, key)
        return rows

    def _links(self, rows: list, cursor: Position | None, ordering: str, more: bool, key: str) -> None:
        def at(row, before: bool) -> Position:
            return Position(_value(row, key), _value(row, "id"), ordering, before)

        if cursor is None:
            self.next, self.previous = (at(rows[-1], False) if more else None), None
        elif not cursor.before:
            self.next = at(rows[-1], False) if more else None
            self.previous = at(rows[0], True) if rows else Position(cursor.value, cursor.id, ordering, True)
        else:
            self.previous = at(rows[0], True) if more else None
            self.next = at(rows[-1], False) if rows else Position(cursor.value, cursor.id, ordering, False)

    def _page_size(self, request) -> int:
        try:
            size = int(request.query_params.get(self.page_size_query_param, self.page_size))
        except (TypeError, ValueError):
            return self.page_size
        return min(max(size, 1), MAX_PAGE_SIZE)

    def _ordering(self, request, orderings: tuple[str, ...]) -> str:
        ordering = request.query_params.get(self.ordering_query_param, orderings[0])
        if ordering not in orderings:
            raise ValidationError({self.ordering_query_param: [f"Order by one of: {', '.join(orderings)}."]})
        return ordering

    def _link(self, position: Position | None) -> str | None:
        if position is None:
            return None
        return replace_query_param(self.url, self.cursor_query_param, position.encode())

    def get_next_link(self) -> str | None:
        return self._link(self.next)

    def get_previous_link(self) -> str | None:
        return self._link(self.previous)

    def get_paginated_response(self, data) -> Response:
        return Response({
            "next": self.get_next_link(), "previous": self.get_previous_link(),
            # The cursors alone, for generated clients: pass them back as ?cursor=.
            "next_cursor": self.next.encode() if self.next else None,
            "previous_cursor": self.previous.encode() if self.previous else None,
            "results": data,
        })

    def get_paginated_response_schema(self, schema: dict) -> dict:
        link = {"type": "string", "format": "uri", "nullable": True}

        def cursor(which: str) -> dict:
            return {"type": "string", "nullable": True,
                    "description": f"The {which} page's cursor (pass it as ?cursor=), or null when there is none."}

        fields = {"next": link, "previous": link, "next_cursor": cursor("next"),
                  "previous_cursor": cursor("previous"), "results": schema}
        return {"type": "object", "required": list(fields), "properties": fields}

    def cursor_parameters(self) -> list[dict]:
        """The cursor and page size: every keyset list's, whatever it is ordered by."""
        return [
            {"name": self.cursor_query_param, "required": False, "in": "query",
             "description": "Opaque position: a previous page's next_cursor or previous_cursor (the same as in "
                            "its next or previous link).",
             "schema": {"type": "string"}},
            {"name": self.page_size_query_param, "required": False, "in": "query",
             "description": f"Rows per page, 1 to {MAX_PAGE_SIZE} (default {self.page_size}).",
             "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE}},
        ]

    def get_schema_operation_parameters(self, view) -> list[dict]:
        key = view.sync_field
        return [
            *self.cursor_parameters(),
            {"name": self.ordering_query_param, "required": False, "in": "query",
             "description": f"Order by {key} then id; ascending (the default, for delta sync) or descending.",
             "schema": {"type": "string", "enum": [key, f"-{key}"], "default": key}},
        ]

