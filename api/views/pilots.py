"""GET /api/v1/pilots/: the running pilots of the use cases you may see, fewest days left first.

Overrun pilots lead (their days left are negative). Pages are keyset pages over (pilot end, id), in the shape
of every other list; the caller's visibility is the use-case list's permission subquery.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError

from api.pagination import KeysetPagination
from api.serializers.pilots import PilotSerializer
from api.views.base import ListOnlyViewSet
from intake import permissions
from intake.models import UseCase
from reviews.selectors.pilots import pilots_by_days_left

INVALID_CURSOR = {"cursor": ["Invalid cursor: use the next or previous link as given."]}


@dataclass(frozen=True)
class Mark:
    """Where a page of pilots starts: the cursor, opaque to clients."""

    end: datetime.date
    id: int
    before: bool = False

    def encode(self) -> str:
        raw = json.dumps({"e": self.end.isoformat(), "i": self.id, "b": int(self.before)})
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Mark:
        try:
            raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            mark = cls(end=datetime.date.fromisoformat(raw["e"]), id=int(raw["i"]), before=bool(raw["b"]))
        except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError, OverflowError):
            raise ValidationError(INVALID_CURSOR) from None
        if not 0 < mark.id < 2**63:
            raise ValidationError(INVALID_CURSOR)
        return mark


class DaysLeftPagination(KeysetPagination):
    """Keyset pages by (pilot end, id): the order of days left. The page shape and its links are the other lists'."""

    def paginate_queryset(self, queryset, request, view=None):
        self.url = request.build_absolute_uri()
        size = self._page_size(request)
        token = request.query_params.get(self.cursor_query_param)
        cursor = Mark.decode(token) if token else None
        before = bool(cursor and cursor.before)
        if cursor:
            op = "lt" if before else "gt"
            queryset = queryset.filter(Q(**{f"pilot_end__{op}": cursor.end})
                                       | Q(pilot_end=cursor.end, **{f"id__{op}": cursor.id}))
        rows = list(queryset.order_by(*(("-pilot_end", "-id") if before else ("pilot_end", "id")))[: size + 1])
        more, rows = len(rows) > size, rows[:size]
        if before:
            rows.reverse()
        first, last = (Mark(rows[0].pilot_end, rows[0].id, True), Mark(rows[-1].pilot_end, rows[-1].id)) \
            if rows else (None, None)
        if cursor is None:
            self.next, self.previous = (last if more else None), None
        elif not before:
            self.next = last if more else None
            self.previous = first or Mark(cursor.end, cursor.id, True)
        else:
            self.previous = first if more else None
            self.next = last or Mark(cursor.end, cursor.id)
        return rows

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return self.cursor_parameters()  # no ordering parameter: the order is fixed


class PilotViewSet(ListOnlyViewSet):
    serializer_class = PilotSerializer
    pagination_class = DaysLeftPagination
    queryset = UseCase.objects.none()  # for the schema; get_queryset filters per user

    def get_queryset(self):
        # A page walks the pilot-end index and probes each row's grants, as the use-case list does.
        return permissions.visible_use_cases_page(self.request.user, pilots_by_days_left())

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    @extend_schema(summary="Running pilots you may see, fewest days left first",
                   description="Each pilot's start and end, the days left until its end (negative once overrun) "
                               "and whether it has overrun; overrun pilots come first.")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)
