"""The playbook's own controls: which keys exist (the loader validates crosswalks against them) and, for
a use case, which of its records the crosswalk suggests as evidence of a requirement."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model

from intake.choices import ReviewFunction
from intake.models import UseCase
from reviews.models import ChecklistEntry, Evidence, ReadinessScore, Risk, RiskArea
from reviews.selectors.gate_reviews import latest_reviews
from vendors.models import AssessmentRating

from .choices import ControlKind


def control_keys(get_model: Callable[[str, str], Any]) -> dict[str, set[str]]:
    """Every key a crosswalk may name, by kind, read through ``get_model`` (historical models in a migration)."""
    def keys(app: str, model: str) -> set[str]:
        return set(get_model(app, model).objects.values_list("key", flat=True))

    return {
        ControlKind.REVIEW_FUNCTION: set(ReviewFunction.values),
        ControlKind.RISK_AREA: set(RiskArea.values),
        ControlKind.READINESS_AREA: keys("reviews", "ReadinessArea"),
        ControlKind.CHECKLIST_ITEM: keys("reviews", "ChecklistItem"),
        ControlKind.ARTEFACT_TYPE: keys("reviews", "ArtefactType"),
        ControlKind.VENDOR_AREA: keys("vendors", "ChecklistArea"),
    }


@dataclass(frozen=True)
class ControlRecord:
    """A record of the use case that evidences a control, with its state in words."""

    control: str
    key: str
    record: Model
    label: str
    state: str
    good: bool  # approved, ready, scored 3 or more, mitigated, meets: what an auditor would accept


def _reviews(use_case: UseCase, keys: set[str]) -> Iterable[ControlRecord]:
    for function, review in latest_reviews(use_case).items():
        if function in keys:
            yield ControlRecord(ControlKind.REVIEW_FUNCTION, function, review,
                                f"{review.get_function_display()} review", review.get_status_display().lower(),
                                review.status in ("approved", "approved_with_conditions"))


def _readiness(use_case: UseCase, keys: set[str]) -> Iterable[ControlRecord]:
    for score in ReadinessScore.objects.filter(use_case=use_case, area__key__in=keys).select_related("area"):
        yield ControlRecord(ControlKind.READINESS_AREA, score.area.key, score, f"Readiness: {score.area.name}",
                            f"scored {score.score}/5", score.score >= 3)


def _checklist(use_case: UseCase, keys: set[str]) -> Iterable[ControlRecord]:
    for entry in ChecklistEntry.objects.filter(use_case=use_case, item__key__in=keys).select_related("item"):
        yield ControlRecord(ControlKind.CHECKLIST_ITEM, entry.item.key, entry, f"Checklist: {entry.item.name}",
                            "ready" if entry.ready else "not ready", entry.ready)


def _risks(use_case: UseCase, keys: set[str]) -> Iterable[ControlRecord]:
    for risk in Risk.objects.filter(use_case=use_case, area__in=keys):
        yield ControlRecord(ControlKind.RISK_AREA, risk.area, risk, f"Risk: {risk.description[:80]}",
                            f"{risk.get_mitigation_status_display().lower()}, score {risk.score}",
                            not risk.needs_escalation)


def _artefacts(use_case: UseCase, keys: set[str]) -> Iterable[ControlRecord]:
    seen: set[str] = set()
    files = (Evidence.objects.filter(use_case=use_case, artefact_type__key__in=keys)
             .select_related("artefact_type").order_by("-uploaded_at", "-id"))
    for item in files:
        if item.artefact_type.key in seen:
            continue  # only the newest file of a type counts, as at the gates
        seen.add(item.artefact_type.key)
        yield ControlRecord(ControlKind.ARTEFACT_TYPE, item.artefact_type.key, item,
                            f"{item.artefact_type.name}: {item.original_name}",
                            "rejected" if item.rejected_at else "uploaded", not item.rejected_at)


def _vendor_areas(use_case: UseCase, keys: set[str]) -> Iterable[ControlRecord]:
    ratings = (AssessmentRating.objects.filter(assessment__vendor__use_cases=use_case, area__key__in=keys)
               .exclude(rating="").select_related("area", "assessment__vendor")
               .order_by("assessment__vendor_id", "area_id", "-assessment__started_on", "-assessment_id"))
    seen: set[tuple[int, int]] = set()
    for rating in ratings:
        if (rating.assessment.vendor_id, rating.area_id) in seen:
            continue  # the vendor's latest assessment speaks for it
        seen.add((rating.assessment.vendor_id, rating.area_id))
        yield ControlRecord(ControlKind.VENDOR_AREA, rating.area.key, rating,
                            f"{rating.assessment.vendor.name}: {rating.area.name}", rating.get_rating_display(),
                            rating.rating == "meets")


_READERS = {
    ControlKind.REVIEW_FUNCTION: _reviews, ControlKind.READINESS_AREA: _readiness,
    ControlKind.CHECKLIST_ITEM: _checklist, ControlKind.RISK_AREA: _risks,
    ControlKind.ARTEFACT_TYPE: _artefacts, ControlKind.VENDOR_AREA: _vendor_areas,
}


def control_records(use_case: UseCase, wanted: Iterable[tuple[str, str]]) -> dict[tuple[str, str], list[ControlRecord]]:
    """The use case's records for each (control kind, key), one query per kind asked for."""
    keys: dict[str, set[str]] = defaultdict(set)
    for control, key in wanted:
        keys[control].add(key)
    found: dict[tuple[str, str], list[ControlRecord]] = defaultdict(list)
    for control, wanted_keys in keys.items():
        for record in _READERS[control](use_case, wanted_keys):
            found[(control, record.key)].append(record)
    return found
