"""Readiness, pilot selection and the rollout checklist of one use case: read
through the reviews and intake selectors, written through their services.

Each is made of several rows, so its ETag is a hash of its data as returned
(api.etags.etag_for_data); a PUT compares If-Match with it under the use case's
row lock, then writes (``respond``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from api.etags import check_if_match_etag, etag_for_data
from api.serializers.evidence import (
    CHECKLIST_ITEMS,
    READINESS_AREAS,
    ChecklistInputSerializer,
    PilotSelectionInputSerializer,
    ReadinessInputSerializer,
    ReadinessSignoffInputSerializer,
)
from intake import services
from intake.models import PILOT_CRITERIA, PilotSelection, UseCase
from reviews import selectors
from reviews import services as review_services

Read = Callable[[UseCase], dict]
Write = Callable[[Request, UseCase], None]


def respond(request, use_case: UseCase, read: Read, write: Write) -> Response:
    """GET or PUT one of these resources; the response carries the ETag of the data it returns.

    A PUT whose If-Match names another version than the current one is refused with 412 and
    changes nothing. The comparison and the write happen under the use case's row lock, so two
    clients who read the same version cannot both write over it.
    """
    if request.method == "PUT":
        with transaction.atomic():
            locked = UseCase.objects.select_for_update().get(pk=use_case.pk)
            check_if_match_etag(request, lambda: etag_for_data(read(locked)))
            write(request, locked)
            data = read(locked)
    else:
        data = read(use_case)
    response = Response(data)
    response["ETag"] = etag_for_data(data)
    return response


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def readiness_data(use_case: UseCase) -> dict:
    summary = selectors.readiness_summary(use_case)
    scores = {area.key: (row.score if row else None) for area, row in summary.rows}
    blocking = {area.key for area, _ in summary.rows if area.name in set(summary.blocking_areas)}
    unreviewed = set(summary.unreviewed_ones)
    return {
        "scores": {key: scores.get(key) for key in READINESS_AREAS},
        "complete": summary.complete,
        "total": summary.total,
        "band": summary.band.key if summary.band else None,
        "gate_blocked": summary.gate_blocked,
        "blocking_areas": [key for key in READINESS_AREAS if key in blocking],
        "needs_independent_review": [area.key for area, _row in summary.rows if area.name in unreviewed],
    }


def readiness_put(request, use_case: UseCase) -> None:
    data = _valid(ReadinessInputSerializer, request)
    if not data["scores"]:
        raise ValidationError({"scores": ["Score at least one area."]})
    review_services.readiness_record(use_case=use_case, actor=request.user, scores=dict(data["scores"]),
                                     notes=dict(data.get("notes") or {}),
                                     explicit_reviews=dict(data.get("explicit_reviews") or {}))


def readiness_signoff(request, use_case: UseCase) -> None:
    data = _valid(ReadinessSignoffInputSerializer, request)
    review_services.readiness_signoff(use_case=use_case, actor=request.user, area=data["area"],
                                      review=data["review"])


def pilot_data(use_case: UseCase) -> dict:
    selection = PilotSelection.objects.filter(use_case=use_case).select_related("scored_by").first()
    if selection is None:
        return {"scores": dict.fromkeys(PILOT_CRITERIA), "note": "", "total": None, "strong_candidate": None,
                "scored_by": None, "scored_at": None}
    return {
        "scores": {key: getattr(selection, key) for key in PILOT_CRITERIA},
        "note": selection.note,
        "total": selection.total,
        "strong_candidate": selectors.strong_candidate(selection.total),
        "scored_by": selection.scored_by.get_username(),
        "scored_at": selection.scored_at,
    }


def pilot_put(request, use_case: UseCase) -> None:
    data = _valid(PilotSelectionInputSerializer, request)
    services.pilot_selection_record(use_case=use_case, actor=request.user, scores=dict(data["scores"]),
                                    note=data.get("note", ""))


def checklist_data(use_case: UseCase) -> dict:
    summary = selectors.checklist_summary(use_case)
    rows = {item.key: (item, entry) for item, entry in summary.rows}
    not_ready = set(summary.not_ready)
    return {
        "items": {key: _checklist_item(summary, *rows.get(key, (None, None))) for key in CHECKLIST_ITEMS},
        "all_ready": summary.all_ready,
        "not_ready": [item.key for item, _ in summary.rows if item.name in not_ready and item.key in CHECKLIST_ITEMS],
    }


def _checklist_item(summary, item, entry) -> dict:
    derived = summary.derived.get(item.id) if item else None  # follows review decisions: (ready, why)
    return {"ready": bool(item) and summary.item_ready(item, entry), "evidence": entry.evidence if entry else "",
            "derived": derived is not None, "reason": derived[1] if derived else ""}


def checklist_put(request, use_case: UseCase) -> None:
    data = _valid(ChecklistInputSerializer, request)
    if not data["items"]:
        raise ValidationError({"items": ["Mark at least one item."]})
    items = {key: dict(entry) for key, entry in data["items"].items()}
    review_services.checklist_record(use_case=use_case, actor=request.user, items=items)
