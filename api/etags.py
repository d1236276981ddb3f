"""ETag and If-Match: optimistic concurrency for updates.

The ETag is a hash of the record's id and updated_at, so any save changes it.
A PATCH with a stale If-Match is refused with 412, checked under the row lock
the update then takes, so two clients cannot both pass the check.
"""

from __future__ import annotations

import hashlib

from api.exceptions import PreconditionFailed


def etag_for(obj, field: str = "updated_at") -> str:
    stamp = getattr(obj, field)
    return '"' + hashlib.sha256(f"{obj.pk}:{stamp.isoformat()}".encode()).hexdigest()[:32] + '"'


def _tags(header: str) -> list[str]:
    return [tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()]


def check_if_match(request, obj, field: str = "updated_at") -> None:
    """Raise 412 unless the request's If-Match (when given) names the record's current ETag."""
    header = request.META.get("HTTP_IF_MATCH")
    if header is None:
        return
    tags = _tags(header)
    if "*" not in tags and etag_for(obj, field) not in tags:
        raise PreconditionFailed()
