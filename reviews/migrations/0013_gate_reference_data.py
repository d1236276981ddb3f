"""Seed typed artefacts and what each tier needs at each gate (the old free-text list of each tier
policy becomes typed requirements: an impact assessment before Pilot, the rest before controlled
rollout), the risk areas each tier must have assessed before Pilot, and which checklist items
follow review decisions. Editable in admin."""

from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.utils.text import slugify

TYPES = [
    ("impact_assessment", "Impact assessment", False,
     "Who and what the system affects, how badly it could go wrong, and what limits the harm."),
    ("fundamental_rights_impact_assessment", "Fundamental-rights impact assessment", False,
     "For EU AI Act high-risk uses: the people affected, the rights at stake, oversight and redress."),
    ("evaluation_report", "Evaluation report", True,
     "How the system was tested, on what data, each metric against its acceptance threshold."),
    ("red_team_report", "Red-team or adversarial test report", False,
     "Attacks and misuse tried, what got through, and what was fixed."),
    ("monitoring_plan", "Monitoring plan", False,
     "What is watched in operation, the alert thresholds, and who responds."),
    ("rollback_plan", "Rollback plan", False, "How to switch it off or fall back, and how long that takes."),
    ("human_oversight_design", "Human-oversight design", False,
     "Where a person reviews, overrides or stops the system, and how they are trained."),
    ("model_card", "Model or system card", False,
     "What the model or system is for, its limits, its training data and its known failure modes."),
]
# Before the old free-text list, an impact assessment was needed to pilot; the rest before broader rollout.
GATE_OF = {"impact_assessment": "pilot"}
HIGH_EXTRA = [("pilot", "fundamental_rights_impact_assessment", True),
              ("controlled_rollout", "red_team_report", False),
              ("controlled_rollout", "human_oversight_design", False),
              ("controlled_rollout", "model_card", False)]
CRITICAL_SIX = ("data_privacy", "security_exposure", "output_reliability", "bias_fairness", "legal_regulatory",
                "vendor_dependency")
ALL_AREAS = CRITICAL_SIX + ("integration_failure", "ownership_ambiguity", "monitoring_gap", "low_adoption",
                            "cost_creep", "reputation")
MODELS = ("artefacttype", "tierartefact", "evaluationmetric", "tierriskarea", "riskareaguidance")
CHECKLIST_FUNCTIONS = {"security_review": ["security"], "privacy_legal_review": ["privacy", "legal"]}


def _type_for(ArtefactType, line: str, order: int):
    by_name = {t.name.lower(): t for t in ArtefactType.objects.all()}
    if line.lower() in by_name:
        return by_name[line.lower()]
    key = slugify(line).replace("-", "_")[:40] or f"artefact_{order}"
    return ArtefactType.objects.get_or_create(key=key, defaults={"name": line[:120], "order": order})[0]


def seed(apps, schema_editor):
    ArtefactType = apps.get_model("reviews", "ArtefactType")
    TierArtefact = apps.get_model("reviews", "TierArtefact")
    for order, (key, name, metrics, description) in enumerate(TYPES):
        ArtefactType.objects.create(key=key, name=name, has_metrics=metrics, description=description, order=order)
    TierPolicy = apps.get_model("intake", "TierPolicy")
    for policy in TierPolicy.objects.all():
        lines = [line.strip() for line in policy.required_artefacts.splitlines() if line.strip()]
        for order, line in enumerate(lines, start=len(TYPES)):
            artefact = _type_for(ArtefactType, line, order)
            TierArtefact.objects.get_or_create(tier=policy.tier, artefact_type=artefact,
                                               gate_stage=GATE_OF.get(artefact.key, "controlled_rollout"))
    for gate, key, eu_only in HIGH_EXTRA:
        TierArtefact.objects.get_or_create(tier="high", gate_stage=gate, artefact_type=ArtefactType.objects.get(key=key),
                                           defaults={"only_eu_high_risk": eu_only})
    TierRiskArea = apps.get_model("reviews", "TierRiskArea")
    TierRiskArea.objects.bulk_create([TierRiskArea(tier="high", area=a) for a in ALL_AREAS]
                                     + [TierRiskArea(tier="medium", area=a) for a in CRITICAL_SIX])
    ChecklistItem = apps.get_model("reviews", "ChecklistItem")
    for key, functions in CHECKLIST_FUNCTIONS.items():
        ChecklistItem.objects.filter(key=key).update(review_functions=functions)
    _grant_admins(apps)


def _grant_admins(apps):
    """Governance admins maintain the new reference data in admin (acceptances are written by their service)."""
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    admins = Group.objects.filter(name="governance_admins").first()
    if admins is not None:
        reviews = Permission.objects.filter(content_type__app_label="reviews")
        admins.permissions.add(*reviews.filter(content_type__model__in=MODELS),
                               *reviews.filter(codename__in=("view_riskacceptance", "view_risknotice")))


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0012_artefacts_risk_acceptance_guidance"),
        ("intake", "0010_use_case_labels_and_help_texts"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
