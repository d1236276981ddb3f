"""Typed artefacts at the gates: which ones a use case's tier requires, and whether each is in place.

An artefact is judged on the newest file of its type alone: it is met unless a reviewer rejected that file, so
a rejection blocks until a new upload (an older file never stands in for it); an evaluation report's newest
file must also carry metrics, each on the right side of its threshold. Three queries per call (the
requirements, the typed files, their metrics), whatever the number of files.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch
from django.urls import reverse

from intake.choices import EUAIActCategory, RiskTier, Stage
from intake.models import UseCase
from reviews.models import ArtefactType, EvaluationMetric, Evidence, TierArtefact

from .criteria import Criterion

GATES = (Stage.PILOT, Stage.CONTROLLED_ROLLOUT, Stage.SCALED)
# The gates still ahead of a use case at each working stage (paused and closed stages have none).
UPCOMING = {Stage.EXPLORATION: GATES, Stage.PILOT: GATES[1:], Stage.CONTROLLED_ROLLOUT: GATES[2:]}
MET, MISSING, REJECTED, BELOW = "met", "missing", "rejected", "below_threshold"
STATE_LABELS = {MET: "Uploaded", MISSING: "Missing", REJECTED: "Rejected by a reviewer", BELOW: "Below threshold"}


@dataclass(frozen=True)
class ArtefactState:
    """One required artefact and where it stands; ``detail`` is the reason when it is not met."""

    artefact_type: ArtefactType
    state: str
    evidence: Evidence | None = None
    detail: str = ""

    @property
    def met(self) -> bool:
        return self.state == MET

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


@dataclass(frozen=True)
class UpcomingGate:
    stage: str
    label: str
    artefacts: list[ArtefactState]

    @property
    def missing(self) -> list[ArtefactState]:
        return [a for a in self.artefacts if not a.met]


def number(value: Decimal) -> str:
    """0.9100 reads 0.91 and 100.0000 reads 100."""
    return format(value.normalize(), "f")


def metric_words(metric: EvaluationMetric) -> str:
    bound = "a threshold" if metric.higher_is_better else "a maximum"
    return f"{metric.name} {number(metric.result)} against {bound} of {number(metric.threshold)}"


def _tier_rows(use_case: UseCase) -> list[TierArtefact]:
    """Every artefact the use case's tier requires at any gate. Reference data, so read once per use-case
    instance: the gate and the upcoming-gates panel of one page share the query."""
    key = (use_case.risk_tier, use_case.eu_ai_act_category)
    cached = use_case.__dict__.get("_tier_artefacts")
    if cached is not None and cached[0] == key:
        return cached[1]
    rows: list[TierArtefact] = []
    if use_case.risk_tier and use_case.risk_tier != RiskTier.PROHIBITED:
        query = TierArtefact.objects.filter(tier=use_case.risk_tier)
        if use_case.eu_ai_act_category != EUAIActCategory.HIGH_RISK:
            query = query.filter(only_eu_high_risk=False)
        rows = list(query.select_related("artefact_type").order_by("artefact_type__order", "artefact_type__key"))
    use_case.__dict__["_tier_artefacts"] = (key, rows)
    return rows


def required_artefact_types(use_case: UseCase, to_stage: str) -> list[TierArtefact]:
    """The artefacts the use case's tier needs before it enters ``to_stage`` (those marked EU-only just where
    its EU AI Act category is high-risk)."""
    return [row for row in _tier_rows(use_case) if row.gate_stage == to_stage]


def metrics_prefetch() -> Prefetch:
    """Each file's metrics in name order, read with the files. A new one per call, not a shared constant: Django
    rewrites a Prefetch's path when it is nested under another lookup."""
    return Prefetch("metrics", queryset=EvaluationMetric.objects.order_by("name"))


def typed_evidence(use_case: UseCase) -> list[Evidence]:
    """The use case's files that name an artefact type, oldest first, with their metrics."""
    return list(Evidence.objects.filter(use_case=use_case, artefact_type__isnull=False)
                .select_related("artefact_type", "rejected_by", "uploaded_by").prefetch_related(metrics_prefetch())
                .order_by("uploaded_at", "id"))


def evidence_state(artefact_type: ArtefactType, files: list[Evidence]) -> ArtefactState:
    """Where one artefact stands on ``files`` (every file of the use case, or only those of its type, oldest
    first). Only the newest counts: the one a reviewer rejected is the team's current answer, so an older file
    the reviewer never judged must not meet the requirement in its place."""
    mine = [f for f in files if f.artefact_type_id == artefact_type.pk]
    if not mine:
        return ArtefactState(artefact_type, MISSING)
    latest = mine[-1]
    if latest.rejected_at is not None:
        return ArtefactState(artefact_type, REJECTED, latest, latest.rejection_reason)
    if artefact_type.has_metrics:
        metrics = list(latest.metrics.all())
        short = [metric_words(m) for m in metrics if not m.met]
        if not metrics or short:
            return ArtefactState(artefact_type, BELOW, latest, "; ".join(short) or "no metrics recorded")
    return ArtefactState(artefact_type, MET, latest)


def _detail(states: list[ArtefactState]) -> str:
    parts = []
    missing = [s.artefact_type.name for s in states if s.state == MISSING]
    if missing:
        parts.append(f"Missing: {', '.join(missing)}.")
    rejected = [f"{s.artefact_type.name} ({s.detail.rstrip('.')})" if s.detail else s.artefact_type.name
                for s in states if s.state == REJECTED]
    if rejected:
        parts.append(f"Rejected by a reviewer: {', '.join(rejected)}.")
    parts += [f"{s.artefact_type.name} below threshold: {s.detail}." for s in states if s.state == BELOW]
    return " ".join(parts)


def upload_url(use_case: UseCase, artefact_type: ArtefactType | None = None) -> str:
    url = reverse("reviews:evidence_upload", args=[use_case.reference])
    return f"{url}?artefact_type={artefact_type.key}" if artefact_type is not None else url


def artefact_criteria(use_case: UseCase, to_stage: str) -> list[Criterion]:
    """The ``required_artefacts`` criterion of the move into ``to_stage``; none when its tier needs nothing."""
    required = [row.artefact_type for row in required_artefact_types(use_case, to_stage)]
    if not required:
        return []
    files = typed_evidence(use_case)
    states = [evidence_state(artefact_type, files) for artefact_type in required]
    return [Criterion("required_artefacts", "Every artefact its tier requires is uploaded",
                      all(s.met for s in states), _detail(states), upload_url(use_case))]


def upcoming_artefacts(use_case: UseCase) -> list[UpcomingGate]:
    """Per gate still ahead (from the current stage on), each artefact the tier requires and its state."""
    stages = UPCOMING.get(use_case.stage, ())
    rows = [row for row in _tier_rows(use_case) if row.gate_stage in stages] if stages else []
    if not rows:
        return []
    files = typed_evidence(use_case)
    gates = []
    for stage in stages:
        states = [evidence_state(row.artefact_type, files) for row in rows if row.gate_stage == stage]
        if states:
            gates.append(UpcomingGate(stage, Stage(stage).label, states))
    return gates
