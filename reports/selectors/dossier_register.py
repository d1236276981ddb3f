"""The obligation register part of the audit dossier: each obligation with its evidence in the state the
register page gives it, who set its status and when, the register's history, and the evidence files with
their SHA-256 checksums (read from storage once, at render time). A fixed number of queries."""

from __future__ import annotations

import datetime
import hashlib
import logging
from collections import defaultdict
from typing import Any

from django.db.models import F, Q, Window, prefetch_related_objects
from django.db.models.functions import Lag
from django.utils import dateformat, timezone

from compliance.choices import EvidenceKind, ObligationStatus
from compliance.models import Obligation, ObligationEvidence
from compliance.selectors import Suggestion, coverage, register_suggestions, use_case_register
from intake.models import UseCase

DAY = "j M Y"  # every date in the dossier reads "7 Dec 2026"
# The obligation history lists the latest changes only: a register worked for years has thousands.
HISTORY_LIMIT = 200
logger = logging.getLogger(__name__)


def person(user) -> str:
    """A person as the dossier names them: full name, else username; a dash for nobody."""
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()


def day(value: datetime.date | datetime.datetime | None) -> str:
    """A date as the whole dossier prints it (7 Dec 2026); a date-time on its local day."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return dateformat.format(value, DAY)



# ---------------------------------------------------------------- the obligation register


def _model(item: ObligationEvidence) -> str:
    kind = item.record_type
    return f"{kind.app_label}.{kind.model}" if kind is not None else ""


def _evidence_state(item: ObligationEvidence, suggested: dict[tuple[int, int], Suggestion]) -> tuple[str, bool, bool]:
    """(its state in words, whether it counts now, whether it may count later) as the register page words
    it (``compliance.views.registers``): a linked record as the crosswalk reads it now (an open review does
    not count yet), an upload unless a reviewer rejected it, a record since deleted or replaced not at all."""
    record = item.record if item.record_id is not None else None  # prefetched
    if item.kind == EvidenceKind.UPLOAD:
        if item.record_id is not None and record is None:
            return "its file has been deleted", False, False
        if getattr(record, "rejected_at", None):
            return "rejected", False, False
        return "uploaded", True, False
    match = suggested.get((item.record_type_id, item.record_id))
    if match is not None:  # a rejected artefact stays rejected: a new upload is the answer to it
        return match.state, match.good, not match.good and match.state != "rejected"
    if record is None:
        return "the record no longer exists", False, False
    if _model(item) == "reviews.evidence":
        return ("rejected", False, False) if record.rejected_at else ("uploaded", True, False)
    return "no longer the current record", False, False


def _evidence_rows(obligation: Obligation, suggestions: list[Suggestion]) -> list[dict[str, Any]]:
    suggested = {(s.content_type.pk, s.record.pk): s for s in suggestions}
    rows = []
    for item in obligation.evidence.all():
        state, counts, later = _evidence_state(item, suggested)
        words = state if counts else f"{state}, does not count{' yet' if later else ''}"
        rows.append({"evidence": item, "state": words, "counts": counts,
                     "kind": "uploaded file" if item.kind == EvidenceKind.UPLOAD else "linked record"})
    return rows


def _status_label(value: str | None) -> str:
    if not value:
        return "—"
    return ObligationStatus(value).label if value in ObligationStatus.values else value


def _previous(field: str) -> Window:
    """The field as the obligation's previous history record had it (None on its first record)."""
    return Window(Lag(field), partition_by=[F("id")], order_by=[F("history_date").asc(), F("history_id").asc()])


def _obligation_history(use_case: UseCase):
    """The use case's obligation history records, each with the values of the record before it."""
    return (Obligation.history.model.objects.filter(use_case_id=use_case.pk)
            .annotate(prev_status=_previous("status"), prev_justification=_previous("justification"),
                      prev_owner=_previous("owner_id"), prev_applicable=_previous("applicable"),
                      prev_until=_previous("accepted_until")))


def _who_set(use_case: UseCase) -> tuple[dict[int, Any], dict[int, Any]]:
    """For each obligation, the history record that set its status as it is now, and the one that wrote its
    justification: its first record, then each one that changed them (one query; as many rows as such
    changes, each a person's decision)."""
    rows = (_obligation_history(use_case)
            .filter(Q(prev_status__isnull=True) | ~Q(status=F("prev_status"))
                    | ~Q(justification=F("prev_justification")))
            .select_related("history_user").order_by("history_date", "history_id"))
    status_set: dict[int, Any] = {}
    justified: dict[int, Any] = {}
    for row in rows:
        if row.prev_status is None or row.status != row.prev_status:
            status_set[row.id] = row
        if row.justification and row.justification != row.prev_justification:
            justified[row.id] = row
    return status_set, justified


def _actor(row: Any) -> str:
    """Who made a history record: a person, or Stagegate itself (a sync, the scheduler)."""
    return person(row.history_user) if row.history_user_id else "Stagegate"


def _status_line(obligation: Obligation, row: Any) -> str:
    """Under the status: who set it as it is now, and when, from its history; from the row itself when its
    history does not say (a status set outside the register's forms)."""
    if row is not None and row.status == obligation.status:
        if row.prev_status is None and obligation.status == ObligationStatus.NOT_STARTED:
            return f"on the register since {day(row.history_date)}"
        return f"Set to {obligation.get_status_display().lower()} by {_actor(row)} on {day(row.history_date)}"
    changed = day(obligation.updated_at)
    if obligation.updated_by_id:
        return f"who set it is not recorded; last changed by {person(obligation.updated_by)} on {changed}"
    return f"who set it is not recorded; last changed on {changed}"


def obligations_of(use_case: UseCase, today: datetime.date) -> list[dict[str, Any]]:
    """The register framework by framework, each with its coverage line (the one count); each obligation
    with who set its status and when, who wrote its justification, and its evidence in its state now."""
    register = use_case_register(use_case)
    suggestions = register_suggestions(use_case, register)
    items = [item for obligation in register for item in obligation.evidence.all()]
    prefetch_related_objects(items, "added_by")
    prefetch_related_objects([item for item in items if item.record_id is not None], "record")  # one per kind
    prefetch_related_objects([obligation for obligation in register if obligation.updated_by_id], "updated_by")
    status_set, justified = _who_set(use_case)
    by_framework: dict[int, list] = defaultdict(list)
    for obligation in register:
        requirement = obligation.requirement
        obligation.status_line = _status_line(obligation, status_set.get(obligation.pk))
        writer = justified.get(obligation.pk)
        obligation.justified_by = (f"{_actor(writer)} on {day(writer.history_date)}"
                                   if writer is not None and writer.justification == obligation.justification
                                   else "")
        obligation.evidence_rows = _evidence_rows(obligation, suggestions.get(obligation.pk, []))
        obligation.future = requirement.applies_from if requirement.applies_from and \
            requirement.applies_from > today else None
        by_framework[requirement.framework_id].append(obligation)
    return [{"coverage": row, "framework": row.framework, "obligations": by_framework.get(row.framework.pk, [])}
            for row in coverage(use_case, register)]


# ---------------------------------------------------------------- the obligation history


def _requirement_name(requirement) -> str:
    return f"{requirement.framework.name} {requirement.identifier}" if requirement is not None else "—"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _what_changed(row: Any) -> list[str]:
    if row.history_type == "-":
        return ["removed from the register"]
    changes = []
    if row.status != row.prev_status:
        changes.append(f"status {_status_label(row.prev_status).lower()} → {_status_label(row.status).lower()}")
    if row.applicable != row.prev_applicable:
        changes.append("applies again" if row.applicable else "no longer applies (the answers changed)")
    if row.owner_id != row.prev_owner:
        changes.append(f"owner set to {person(row.owner)}" if row.owner_id else "owner removed")
    if row.justification != row.prev_justification and row.justification:
        text = row.justification if len(row.justification) <= 160 else f"{row.justification[:159]}…"
        changes.append(f"justification: “{text}”")
    if row.accepted_until != row.prev_until and row.accepted_until:
        changes.append(f"risk accepted until {day(row.accepted_until)}")
    return changes


def obligation_history(use_case: UseCase) -> dict[str, Any]:
    """The latest ``HISTORY_LIMIT`` changes to the register, latest first: each obligation's status, owner,
    applicability and justification as they changed, and evidence added or removed (two queries)."""
    obligation_rows = list(
        _obligation_history(use_case).filter(prev_status__isnull=False)  # its first record: joining the register
        .select_related("history_user", "owner", "requirement__framework")
        .order_by("-history_date", "-history_id")[:HISTORY_LIMIT + 1])
    evidence_rows = list(
        ObligationEvidence.history.model.objects
        .filter(obligation__use_case_id=use_case.pk, history_type__in=("+", "-"))
        .select_related("history_user", "obligation__requirement__framework")
        .order_by("-history_date", "-history_id")[:HISTORY_LIMIT + 1])
    changes = []
    for row in obligation_rows:
        if what := _what_changed(row):
            changes.append({"when": row.history_date, "who": row.history_user, "requirement":
                            _requirement_name(row.requirement), "what": _sentence("; ".join(what))})
    for row in evidence_rows:
        kind = "uploaded file" if row.kind == EvidenceKind.UPLOAD else "linked record"
        verb = "added" if row.history_type == "+" else "removed"
        obligation = row.obligation
        changes.append({"when": row.history_date, "who": row.history_user,
                        "requirement": _requirement_name(obligation.requirement if obligation else None),
                        "what": f"Evidence {verb}: {row.label} ({kind})"})
    changes.sort(key=lambda change: change["when"], reverse=True)
    more = len(obligation_rows) > HISTORY_LIMIT or len(evidence_rows) > HISTORY_LIMIT or len(changes) > HISTORY_LIMIT
    return {"changes": changes[:HISTORY_LIMIT], "more": more, "limit": HISTORY_LIMIT}


# ---------------------------------------------------------------- the evidence files


def checksum(field_file: Any) -> tuple[str, int | None, str]:
    """(SHA-256 in hex, size in bytes, "") of a stored file, read from storage in chunks; ("", None, why)
    when it cannot be read: the dossier says so rather than fail."""
    name = getattr(field_file, "name", "") or ""
    if not name:
        return "", None, "no file is stored for it"
    digest, size = hashlib.sha256(), 0
    try:
        with field_file.storage.open(name, "rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
    except FileNotFoundError:
        return "", None, "the file is missing from storage"
    except Exception:  # any storage backend's error: one unreadable file must not fail the whole dossier
        logger.warning("Dossier: could not read evidence file %s", name, exc_info=True)
        return "", None, "the file could not be read from storage"
    return digest.hexdigest(), size, ""


def files_of(obligations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every file given as evidence on the register (an upload, or an artefact linked as a record), once,
    with the requirements it is evidence of and its SHA-256 as stored now."""
    files: dict[tuple[str, int], dict[str, Any]] = {}
    for part in obligations:
        for obligation in part["obligations"]:
            for row in obligation.evidence_rows:
                item = row["evidence"]
                record = item.record if item.record_id is not None else None
                if _model(item) == "reviews.evidence" and record is not None:
                    key, source = ("reviews.evidence", record.pk), record
                elif item.kind == EvidenceKind.UPLOAD:
                    key, source = ("compliance.obligationevidence", item.pk), None
                else:
                    continue
                entry = files.setdefault(key, {"item": item, "record": source, "state": row["state"],
                                               "counts": row["counts"], "backs": []})
                entry["backs"].append(_requirement_name(obligation.requirement))
    records = [entry["record"] for entry in files.values() if entry["record"] is not None]
    prefetch_related_objects(records, "uploaded_by")
    rows = []
    for entry in files.values():
        item, record = entry["item"], entry["record"]
        stored = record.file if record is not None else item.file
        sha256, size, problem = checksum(stored)
        rows.append({
            "name": record.original_name if record is not None else item.label,
            "uploaded_by": person(record.uploaded_by if record is not None else item.added_by),
            "uploaded_at": record.uploaded_at if record is not None else item.added_at,
            "backs": entry["backs"], "state": entry["state"], "counts": entry["counts"],
            "sha256": sha256, "size": size, "problem": problem,
        })
    return rows


