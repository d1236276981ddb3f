"""Seed the editable reference data: risk-tier matrix v1, buckets, EU AI Act dates."""

import datetime

from django.db import migrations

REGULATED_AREAS = [
    "biometrics", "critical_infrastructure", "education", "employment",
    "essential_services", "law_enforcement", "migration", "justice",
]

DIMENSIONS = [
    ("data_sensitivity", "Data sensitivity", "Highest data classification and personal data involved.", [
        ("data_classification", "public", 0), ("data_classification", "internal", 1),
        ("data_classification", "confidential", 2), ("data_classification", "restricted", 4),
        ("personal_data", "none", 0), ("personal_data", "personal", 2),
        ("personal_data", "special_category", 4),
    ]),
    ("decision_impact", "Decision impact on people", "Whether it touches decisions about individuals.", [
        ("decision_impact", "none", 0), ("decision_impact", "informs", 2),
        ("decision_impact", "determines", 4),
    ]),
    ("autonomy", "Autonomy", "How far the AI acts without a person deciding.", [
        ("autonomy", "assists", 0), ("autonomy", "human_review", 1),
        ("autonomy", "human_monitoring", 2), ("autonomy", "automated", 4),
    ]),
    ("exposure", "Exposure", "Who sees or is affected by its output.", [
        ("exposure", "internal_small", 0), ("exposure", "internal_wide", 1), ("exposure", "external", 3),
    ]),
    ("regulated_domain", "Regulated domain", "EU AI Act Annex III high-risk areas.",
     [("regulated_area", area, 4) for area in REGULATED_AREAS]),
]

THRESHOLDS = [("low", 0), ("medium", 5), ("high", 10)]

FLOORS = [
    ("Regulated decision area (EU AI Act Annex III)", "high", [("regulated_area", "not_blank", "")]),
    ("Autonomous action on restricted data", "high",
     [("autonomy", "equals", "automated"), ("data_classification", "equals", "restricted")]),
    ("Prohibited practice (EU AI Act Article 5)", "prohibited", [("prohibited_practice", "not_blank", "")]),
]

BUCKETS = [
    ("employee_productivity", "Employee productivity"),
    ("customer_operations", "Customer operations"),
    ("knowledge_retrieval", "Knowledge retrieval"),
    ("software_engineering", "Software engineering"),
    ("regulated_decision_support", "Regulated decision support"),
]

OBLIGATIONS = [
    ("prohibited", "Prohibited practices may not be placed on the market or used", "Article 5",
     datetime.date(2025, 2, 2)),
    ("high_risk", "High-risk system duties: risk management, data governance, logging, human oversight",
     "Articles 8-27, Annex III", datetime.date(2027, 12, 2)),
    ("transparency", "Tell people they interact with AI; mark synthetic content", "Article 50",
     datetime.date(2026, 8, 2)),
    ("minimal", "No specific duties; voluntary codes of conduct", "Article 95", None),
]


def _snapshot():
    return {
        "dimensions": [
            {"key": key, "name": name, "options": sorted(
                ({"field": f, "value": v, "points": p} for f, v, p in options),
                key=lambda o: (o["field"], o["value"]))}
            for key, name, _desc, options in DIMENSIONS
        ],
        "thresholds": [{"tier": t, "min_score": s} for t, s in THRESHOLDS],
        "floors": [
            {"name": name, "minimum_tier": tier, "conditions": sorted(
                ({"field": f, "operator": op, "value": v} for f, op, v in conds),
                key=lambda c: (c["field"], c["operator"], c["value"]))}
            for name, tier, conds in sorted(FLOORS)
        ],
    }


def seed(apps, schema_editor):
    RiskDimension = apps.get_model("intake", "RiskDimension")
    RiskOption = apps.get_model("intake", "RiskOption")
    for order, (key, name, desc, options) in enumerate(DIMENSIONS):
        dim = RiskDimension.objects.create(key=key, name=name, description=desc, order=order)
        for field, value, points in options:
            RiskOption.objects.create(dimension=dim, answer_field=field, answer_value=value, points=points)
    TierThreshold = apps.get_model("intake", "TierThreshold")
    for tier, score in THRESHOLDS:
        TierThreshold.objects.create(tier=tier, min_score=score)
    HardFloor = apps.get_model("intake", "HardFloor")
    FloorCondition = apps.get_model("intake", "FloorCondition")
    for name, tier, conds in FLOORS:
        floor = HardFloor.objects.create(name=name, minimum_tier=tier)
        for field, op, value in conds:
            FloorCondition.objects.create(floor=floor, answer_field=field, operator=op, value=value)
    apps.get_model("intake", "RiskMatrixVersion").objects.create(
        number=1, snapshot=_snapshot(), note="Initial matrix from the governance model."
    )
    PortfolioBucket = apps.get_model("intake", "PortfolioBucket")
    for code, name in BUCKETS:
        PortfolioBucket.objects.create(code=code, name=name)
    EuAiActObligation = apps.get_model("intake", "EuAiActObligation")
    for category, title, basis, applies in OBLIGATIONS:
        EuAiActObligation.objects.create(category=category, title=title, legal_basis=basis, applies_from=applies)


class Migration(migrations.Migration):
    dependencies = [("intake", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
