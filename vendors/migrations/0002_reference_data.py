"""Seed the editable reference data: the 12 due-diligence areas and approval validity.

Governance model, section 8. Data handling, security posture and privacy and
compliance are critical: a "does not meet" there blocks approval.
"""

from django.db import migrations

AREAS = [
    ("use_case_fit", "Use-case fit", False,
     "Does the product solve the use case's problem as stated, without heavy workarounds?"),
    ("workflow_integration", "Workflow integration", False,
     "Fits the tools and steps people already use; integrations and SSO available."),
    ("data_handling", "Data handling", True,
     "Data access, storage location, retention and deletion; no training on our data without consent."),
    ("security_posture", "Security posture", True,
     "Security controls, certifications, penetration testing, incident history and response."),
    ("privacy_compliance", "Privacy and compliance", True,
     "GDPR and sector rules: DPA, sub-processors, transfers, EU AI Act duties as provider."),
    ("model_reliability", "Model reliability", False,
     "Evaluated accuracy and robustness on our kind of data; known failure modes documented."),
    ("human_oversight", "Human oversight", False,
     "People can review, correct and override outputs; actions can be stopped and undone."),
    ("implementation_effort", "Implementation effort", False,
     "Effort, skills and time to deploy and integrate; dependencies on our teams."),
    ("vendor_maturity", "Vendor maturity", False,
     "Financial stability, customer references, roadmap, support organisation."),
    ("commercial_model", "Commercial model at scale", False,
     "Pricing stays sustainable at expected volume; no surprise usage costs."),
    ("interoperability_exit", "Interoperability and exit", False,
     "Data and configuration can be exported; lock-in is limited; exit plan is realistic."),
    ("monitoring_support", "Monitoring and support after go-live", False,
     "Usage and quality monitoring, SLAs, change notices for model updates."),
]

# Months an approval lasts before re-assessment: sooner for more critical vendors.
POLICIES = [("high", 12), ("medium", 18), ("low", 24)]


def seed(apps, schema_editor):
    ChecklistArea = apps.get_model("vendors", "ChecklistArea")
    ApprovalPolicy = apps.get_model("vendors", "ApprovalPolicy")
    for order, (key, name, critical, description) in enumerate(AREAS, start=1):
        ChecklistArea.objects.update_or_create(
            key=key, defaults={"name": name, "critical": critical, "description": description, "order": order * 10}
        )
    for criticality, months in POLICIES:
        ApprovalPolicy.objects.update_or_create(criticality=criticality, defaults={"validity_months": months})


class Migration(migrations.Migration):
    dependencies = [("vendors", "0001_initial")]

    # Reversing 0001 drops the tables; the rows may be referenced by assessments, so no delete here.
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
