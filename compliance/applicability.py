"""Which requirements apply to a use case: rules are data (``Requirement.applies_when``), this is the
one function that reads them.

A rule is a list of conditions; any one matching selects the requirement, and a condition matches when
each of its facts has one of the listed values. An empty list applies everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from intake import choices as c

BOOLEAN = (True, False)
# Every fact a rule may name, with the values it may take (the loader refuses anything else).
FACT_VALUES: dict[str, tuple] = {
    "eu_category": tuple(c.EUAIActCategory.values),
    "role": ("provider", "deployer"),
    "tier": tuple(c.RiskTier.values),
    "ai_pattern": tuple(c.AIPattern.values),
    "personal_data": tuple(c.PersonalData.values),
    "exposure": tuple(c.Exposure.values),
    "regulated_area": tuple(c.RegulatedArea.values),
    "generates_content": BOOLEAN,
    "interacts_with_people": BOOLEAN,
    "emotion_or_biometric": BOOLEAN,
    "deep_fake": BOOLEAN,
    "public_service": BOOLEAN,
}
_ANSWERS = ("ai_pattern", "personal_data", "exposure", "regulated_area", "generates_content",
            "interacts_with_people", "emotion_or_biometric", "deep_fake", "public_service")
# The answers that can change what applies (the signal receiver compares them).
INPUTS = (*_ANSWERS, "eu_ai_act_category", "ai_act_role", "risk_tier")


def roles(answer: str) -> frozenset[str]:
    """A use case that has not said its role is assumed to be both until it does: the stricter reading."""
    if answer in (c.AIActRole.BOTH, "", None):
        return frozenset({"provider", "deployer"})
    return frozenset({answer})


def facts(use_case: Any) -> dict[str, Any]:
    """The facts of a use case (or of anything with its answer attributes) the rules may name."""
    found: dict[str, Any] = {name: getattr(use_case, name) for name in _ANSWERS}
    found["eu_category"] = use_case.eu_ai_act_category
    found["tier"] = use_case.risk_tier
    found["role"] = roles(use_case.ai_act_role)
    return found


def _holds(condition: Mapping[str, Iterable], found: Mapping[str, Any]) -> bool:
    for fact, allowed in condition.items():
        value = found.get(fact)
        if isinstance(value, frozenset):
            if not value.intersection(allowed):
                return False
        elif value not in allowed:
            return False
    return True


def applies(rule: list[Mapping[str, Iterable]], found: Mapping[str, Any]) -> bool:
    return not rule or any(_holds(condition, found) for condition in rule)
