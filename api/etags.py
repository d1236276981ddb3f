"""ETag and If-Match: optimistic concurrency for updates.

A record's ETag is a hash of its id and updated_at, so any save changes it. A
resource made of several rows (a use case's readiness scores, its checklist, its
pilot selection) has no such stamp: its ETag is a hash of its data as returned.
A write with a stale If-Match is refused with 412, checked under the row lock
the write then takes, so two clients cannot both pass the check.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from api.exceptions import PreconditionFailed


def _etag(text: str) -> str:
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def etag_for(obj, field: str = "updated_at") -> str:
    stamp = getattr(obj, field)
    return _etag(f"{obj.pk}:{stamp.isoformat()}")


def etag_for_data(data) -> str:
    """A strong ETag of a representation: the hash of its canonical JSON (keys sorted)."""
    return _etag(json.dumps(data, sort_keys=True, default=str))


def _tags(header: str) -> list[str]:
    return [tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()]


def check_if_match_etag(request, current: Callable[[], str]) -> None:
    """Raise 412 unless the request's If-Match (when given) is * or names the ETag ``current()`` returns.

    ``current`` is only called when there is something to compare: no header, or *, costs nothing.
    """
    header = request.META.get("HTTP_IF_MATCH")
    if header is None:
        return
    tags = _tags(header)
    if "*" not in tags and current() not in tags:
        raise PreconditionFailed()


def check_if_match(request, obj, field: str = "updated_at") -> None:
    """Raise 412 unless the request's If-Match (when given) names the record's current ETag."""
    check_if_match_etag(request, lambda: etag_for(obj, field))
