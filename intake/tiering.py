"""Pure functions: a matrix snapshot plus intake answers give a tier.

No database access here, so the rules are table-testable and a stored
explanation can be reproduced from its matrix version.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from intake.choices import (
    TIER_ORDER,
    AIPattern,
    EUAIActCategory,
    RiskTier,
    TierDrivingField,
)

TIER_DRIVING_FIELDS: tuple[str, ...] = tuple(TierDrivingField.values)


@dataclass(frozen=True)
class TierResult:
    tier: str
    computed_tier: str
    score: int
    explanation: dict = field(default_factory=dict)


def _dimension_points(dimension: dict, answers: dict) -> tuple[int, list[str]]:
    """A dimension scores the highest of its options the answers match."""
    best, matched = 0, []
    for option in dimension["options"]:
        if answers.get(option["field"], "") == option["value"]:
            matched.append(f'{option["field"]}={option["value"] or "none"} ({option["points"]})')
            best = max(best, option["points"])
    return best, matched


def _condition_holds(condition: dict, answers: dict) -> bool:
    answer = answers.get(condition["field"], "") or ""
    if condition["operator"] == "not_blank":
        return answer != ""
    return answer == condition["value"]


def _tier_for_score(score: int, thresholds: list[dict]) -> str:
    tier = RiskTier.LOW.value
    for threshold in sorted(thresholds, key=lambda t: t["min_score"]):
        if score >= threshold["min_score"]:
            tier = threshold["tier"]
    return tier


def compute_tier(answers: dict, snapshot: dict, version_number: int) -> TierResult:
    """Score every dimension, map the total to a tier, then apply hard floors."""
    dimensions = []
    total = 0
    for dimension in snapshot["dimensions"]:
        points, matched = _dimension_points(dimension, answers)
        total += points
        dimensions.append(
            {"key": dimension["key"], "name": dimension["name"], "points": points, "matched": matched}
        )
    score_tier = _tier_for_score(total, snapshot["thresholds"])
    tier = score_tier
    floors_applied = []
    for floor in snapshot["floors"]:
        if floor["conditions"] and all(_condition_holds(c, answers) for c in floor["conditions"]):
            floors_applied.append({"name": floor["name"], "minimum_tier": floor["minimum_tier"]})
            if TIER_ORDER[floor["minimum_tier"]] > TIER_ORDER[tier]:
                tier = floor["minimum_tier"]
    explanation = {
        "matrix_version": version_number,
        "score": total,
        "dimensions": dimensions,
        "score_tier": score_tier,
        "thresholds": sorted(snapshot["thresholds"], key=lambda t: t["min_score"]),
        "floors_applied": floors_applied,
        "tier": tier,
    }
    return TierResult(tier=tier, computed_tier=tier, score=total, explanation=explanation)


def eu_ai_act_category(answers: dict) -> str:
    """Section 7: prohibited > high-risk (Annex III) > transparency > minimal."""
    if answers.get("prohibited_practice"):
        return EUAIActCategory.PROHIBITED.value
    if answers.get("regulated_area"):
        return EUAIActCategory.HIGH_RISK.value
    if answers.get("ai_pattern") == AIPattern.CHATBOT or answers.get("generates_content"):
        return EUAIActCategory.TRANSPARENCY.value
    return EUAIActCategory.MINIMAL.value
