"""Which EU AI Act requirements apply, for every category and role, including the narrow Art. 27 and the
Art. 50 transparency cases. The rules are data in the framework file; this table is what they must say."""

from types import SimpleNamespace

import pytest

from compliance.applicability import applies, facts
from compliance.models import Requirement

pytestmark = pytest.mark.django_db

PROVIDER_HIGH_RISK = {"Art. 9", "Art. 10", "Art. 11", "Art. 12", "Art. 13", "Art. 14", "Art. 15", "Art. 17",
                      "Art. 43", "Art. 49", "Art. 72", "Art. 73"}
DEPLOYER_HIGH_RISK = {"Art. 26", "Art. 86"}
ALWAYS = {"Art. 5"}


def case(**answers):
    base = {"eu_ai_act_category": "minimal", "ai_act_role": "deployer", "risk_tier": "low", "ai_pattern": "copilot",
            "personal_data": "none", "exposure": "internal_small", "regulated_area": "", "generates_content": False,
            "interacts_with_people": False, "emotion_or_biometric": False, "deep_fake": False,
            "public_service": False}
    return SimpleNamespace(**(base | answers))


def eu_applicable(use_case) -> set[str]:
    found = facts(use_case)
    return {r.identifier for r in Requirement.objects.filter(framework__key="eu-ai-act", scope="system",
                                                             assessable=True)
            if applies(r.applies_when, found)}


@pytest.mark.parametrize(("answers", "expected"), [
    # Prohibited and minimal-risk systems: only the Art. 5 check, whatever the role.
    ({"eu_ai_act_category": "prohibited", "ai_act_role": "provider"}, ALWAYS),
    ({"eu_ai_act_category": "minimal", "ai_act_role": "provider"}, ALWAYS),
    ({"eu_ai_act_category": "minimal", "ai_act_role": "deployer"}, ALWAYS),
    ({"eu_ai_act_category": "transparency", "ai_act_role": "deployer"}, ALWAYS),
    ({"eu_ai_act_category": "prohibited", "ai_act_role": "deployer"}, ALWAYS),
    ({"eu_ai_act_category": "prohibited", "ai_act_role": "both"}, ALWAYS),
    ({"eu_ai_act_category": "minimal", "ai_act_role": "both"}, ALWAYS),
    ({"eu_ai_act_category": "transparency", "ai_act_role": "provider"}, ALWAYS),  # no transparency case answered
    ({"eu_ai_act_category": "transparency", "ai_act_role": "both"}, ALWAYS),
    # High-risk: provider duties, deployer duties, or both.
    ({"eu_ai_act_category": "high_risk", "ai_act_role": "provider", "regulated_area": "employment"},
     ALWAYS | PROVIDER_HIGH_RISK),
    ({"eu_ai_act_category": "high_risk", "ai_act_role": "deployer", "regulated_area": "employment"},
     ALWAYS | DEPLOYER_HIGH_RISK),
    ({"eu_ai_act_category": "high_risk", "ai_act_role": "both", "regulated_area": "employment"},
     ALWAYS | PROVIDER_HIGH_RISK | DEPLOYER_HIGH_RISK),
    # No role answered yet: the stricter reading, both.
    ({"eu_ai_act_category": "high_risk", "ai_act_role": "", "regulated_area": "employment"},
     ALWAYS | PROVIDER_HIGH_RISK | DEPLOYER_HIGH_RISK),
    # Art. 27: a deployer providing a public service, or any deployer of credit or insurance scoring.
    ({"eu_ai_act_category": "high_risk", "ai_act_role": "deployer", "regulated_area": "employment",
      "public_service": True}, ALWAYS | DEPLOYER_HIGH_RISK | {"Art. 27"}),
    ({"eu_ai_act_category": "high_risk", "ai_act_role": "deployer", "regulated_area": "essential_services"},
     ALWAYS | DEPLOYER_HIGH_RISK | {"Art. 27"}),
    # ... but never for critical infrastructure, and never for the provider alone.
    ({"eu_ai_act_category": "high_risk", "ai_act_role": "deployer", "regulated_area": "critical_infrastructure",
      "public_service": True}, ALWAYS | DEPLOYER_HIGH_RISK),
    ({"eu_ai_act_category": "high_risk", "ai_act_role": "provider", "regulated_area": "essential_services",
      "public_service": True}, ALWAYS | PROVIDER_HIGH_RISK),
    # Art. 50, case by case and by role.
    ({"eu_ai_act_category": "transparency", "ai_act_role": "provider", "interacts_with_people": True},
     ALWAYS | {"Art. 50(1)"}),
    ({"eu_ai_act_category": "transparency", "ai_act_role": "deployer", "interacts_with_people": True}, ALWAYS),
    ({"eu_ai_act_category": "transparency", "ai_act_role": "provider", "generates_content": True},
     ALWAYS | {"Art. 50(2)"}),
    ({"eu_ai_act_category": "transparency", "ai_act_role": "deployer", "emotion_or_biometric": True},
     ALWAYS | {"Art. 50(3)"}),
    ({"eu_ai_act_category": "transparency", "ai_act_role": "deployer", "deep_fake": True}, ALWAYS | {"Art. 50(4)"}),
    ({"eu_ai_act_category": "transparency", "ai_act_role": "both", "interacts_with_people": True,
      "generates_content": True, "deep_fake": True}, ALWAYS | {"Art. 50(1)", "Art. 50(2)", "Art. 50(4)"}),
    # A high-risk chatbot provider also has the transparency duty.
    ({"eu_ai_act_category": "high_risk", "ai_act_role": "provider", "regulated_area": "education",
      "interacts_with_people": True}, ALWAYS | PROVIDER_HIGH_RISK | {"Art. 50(1)"}),
])
def test_eu_ai_act_applicability(answers, expected):
    assert eu_applicable(case(**answers)) == expected


@pytest.mark.parametrize(("tier", "nist", "iso"), [("low", 0, 0), ("medium", 53, 19), ("high", 53, 19)])
def test_system_level_nist_and_iso_controls_follow_the_tier(tier, nist, iso):
    found = facts(case(risk_tier=tier))
    system = Requirement.objects.filter(scope="system", assessable=True)
    counts = {key: sum(applies(r.applies_when, found) for r in system.filter(framework__key=key))
              for key in ("nist-ai-rmf", "iso-42001")}
    assert counts == {"nist-ai-rmf": nist, "iso-42001": iso}


def test_organisation_requirements_are_govern_and_the_management_system():
    organisation = Requirement.objects.filter(scope="organisation", assessable=True)
    assert set(organisation.filter(framework__key="nist-ai-rmf").values_list("identifier", flat=True)) == {
        r.identifier for r in Requirement.objects.filter(framework__key="nist-ai-rmf", identifier__startswith="GOVERN",
                                                         assessable=True)}
    assert organisation.filter(framework__key="eu-ai-act").get().identifier == "Art. 4"
