"""Seed the guidance shown beside each score: the question a scorer answers and the red flags for each
readiness area, and the usual owner and what good control looks like for each risk area. Only blanks are
filled, so text an admin already edited stays; reversing leaves the text (it is harmless data)."""

from django.db import migrations

READINESS = {
    "problem_clarity": (
        "Can the team state the problem in one sentence, with who has it and how often?",
        "The problem is described as a technology to try\nNobody can say how often it happens or what it costs"
        "\nDifferent people describe a different problem",
    ),
    "strategic_relevance": (
        "Does solving this move a strategic outcome the organisation has committed to?",
        "No named strategic outcome it serves\nThe main reason given is that competitors are doing it",
    ),
    "value_case": (
        "Is there an estimate of the benefit and the full cost, with the assumptions written down?",
        "Benefits are counted but running costs are not\nThe numbers rest on one optimistic assumption"
        "\nNo baseline to compare against",
    ),
    "success_criteria": (
        "Are there measurable targets, agreed before the pilot, that decide whether it worked?",
        "Targets were set after results came in\nSuccess is described only as feedback or interest"
        "\nNo baseline measurement",
    ),
    "ownership": (
        "Is one named person accountable for the outcome, with the authority to act?",
        "Ownership is shared by a committee or a team name\nThe owner has no budget or say over the workflow"
        "\nThe owner changes every few weeks",
    ),
    "decision_rights": (
        "Is it clear who decides to go ahead, pause or stop, and on what evidence?",
        "Nobody can say who may stop it\nDecisions are made informally and not recorded",
    ),
    "workflow_fit": (
        "Does it fit the steps people already follow, and is it clear what changes for them?",
        "People must copy results between systems by hand\nThe new step adds work without removing any"
        "\nThe people doing the work were not consulted",
    ),
    "user_adoption": (
        "Do the intended users want it, know how to use it, and have time to learn?",
        "No training or support is planned\nUsers in the pilot stopped using it after the first weeks"
        "\nManagers expect adoption without changing targets or time",
    ),
    "data_readiness": (
        "Is the data it needs available, good enough and allowed to be used for this purpose?",
        "Data quality has not been checked\nThe data was collected for another purpose and nobody has confirmed"
        " reuse is allowed\nAccess depends on one person's manual export",
    ),
    "technical_feasibility": (
        "Has it been shown to work on our own data and systems, not only in a demo?",
        "Only a vendor demo or a notebook has been seen\nIntegration with core systems is still unknown",
    ),
    "security_readiness": (
        "Has security reviewed how it is accessed, what it can reach and how it could be misused?",
        "No security review yet\nShared accounts or keys in code\nPrompt injection or data leakage not tested",
    ),
    "privacy_legal_readiness": (
        "Is there a lawful basis for the personal data, and are the legal duties for this use known and met?",
        "No privacy assessment where personal data is used\nContracts do not cover how the data is processed"
        "\nPeople affected are not told that AI is involved where they should be",
    ),
    "model_risk": (
        "Do we know how often it is wrong, how it fails, and what happens when it does?",
        "Accuracy was measured once, on a small or easy sample\nNo one has looked at the cases it gets wrong"
        "\nFailures reach customers without a human check",
    ),
    "operational_controls": (
        "Is it monitored in operation, with an incident owner and a way to switch it off quickly?",
        "No alerting on quality or errors\nNo one knows how to roll it back\nIncidents would be found by customers"
        " first",
    ),
    "vendor_readiness": (
        "Is the vendor assessed and approved for this data and tier, with a contract that fits?",
        "The vendor's due diligence is missing or expired\nThe contract allows training on our data"
        "\nNo plan if the vendor changes the model or the price",
    ),
    "delivery_capacity": (
        "Does the team have the people, skills and time to deliver and run it?",
        "Key work depends on one person\nThe team is also committed to other deadlines\nNo one is funded to run it"
        " after launch",
    ),
    "production_readiness": (
        "Are the thresholds for scaling written down, and does it meet them today?",
        "No explicit scale thresholds\nPilot results fall short of them but the plan is to scale anyway"
        "\nLoad and cost at full volume are untested",
    ),
    "executive_visibility": (
        "Does the executive sponsor see progress, risks and spend regularly enough to intervene?",
        "The sponsor has not seen results since approval\nRisks are reported only when asked",
    ),
}

RISK_GUIDANCE = {
    "data_privacy": (
        "Data protection officer",
        "Only the personal data needed is used, with a recorded lawful basis and a privacy assessment. Access is "
        "limited and logged, and retention and deletion are set before go-live.",
    ),
    "security_exposure": (
        "Information security lead",
        "The system has had a security review and a misuse test, including prompt injection where it reads "
        "outside text. Credentials are managed, permissions are the least needed, and findings are fixed or "
        "accepted on record.",
    ),
    "output_reliability": (
        "Product owner",
        "Accuracy is measured on realistic cases against an agreed threshold and rechecked after changes. A "
        "person checks outputs where an error would harm someone, and errors are logged and reviewed.",
    ),
    "bias_fairness": (
        "Model risk lead",
        "Results are compared across the groups the system affects before launch and at intervals. Gaps have an "
        "owner and a fix or a documented reason, and people can challenge a decision.",
    ),
    "legal_regulatory": (
        "Legal counsel",
        "The legal category and duties of the use are identified and tracked, including EU AI Act obligations. "
        "Required notices, records and human oversight are in place before the duty applies.",
    ),
    "vendor_dependency": (
        "Procurement lead",
        "The vendor is assessed and approved, the contract covers data use, service levels and model changes, "
        "and there is a tested way to switch vendor or fall back.",
    ),
    "integration_failure": (
        "Technical lead",
        "Integrations are tested end to end with realistic volumes. Failures are detected and fall back to the "
        "old process without losing work.",
    ),
    "ownership_ambiguity": (
        "Executive sponsor",
        "One person is accountable for the outcome and one for running it, both named in the RACI. Hand-overs "
        "are recorded and a gap in ownership is escalated within days.",
    ),
    "monitoring_gap": (
        "Operations lead",
        "Quality, errors, usage and cost are watched with alert thresholds. Each alert has a named responder, "
        "and monitoring is reviewed when the system or its data changes.",
    ),
    "low_adoption": (
        "Business owner",
        "Users are trained and supported, usage is measured against a target, and misuse is detected and "
        "addressed. Feedback leads to changes people can see.",
    ),
    "cost_creep": (
        "Finance business partner",
        "Running costs are forecast at full volume and tracked monthly against budget. Usage limits and alerts "
        "stop a surprise bill, and the value case is rechecked at each gate.",
    ),
    "reputation": (
        "Communications lead",
        "Customer-facing outputs are reviewed for tone and harm, people know when they deal with AI, and there "
        "is a prepared response and a fast way to switch the feature off.",
    ),
}


def fill_blanks(obj, values: dict[str, str]) -> None:
    """Set only the fields that are blank: an admin's own wording is kept."""
    blank = [name for name in values if not getattr(obj, name).strip()]
    for name in blank:
        setattr(obj, name, values[name])
    if blank:
        obj.save(update_fields=blank)


def seed(apps, schema_editor):
    ReadinessArea = apps.get_model("reviews", "ReadinessArea")
    for area in ReadinessArea.objects.filter(key__in=READINESS):
        question, flags = READINESS[area.key]
        fill_blanks(area, {"key_question": question, "red_flags": flags})
    RiskAreaGuidance = apps.get_model("reviews", "RiskAreaGuidance")
    for key, (role, control) in RISK_GUIDANCE.items():
        guidance, created = RiskAreaGuidance.objects.get_or_create(
            area=key, defaults={"default_owner_role": role, "good_control": control})
        if not created:
            fill_blanks(guidance, {"default_owner_role": role, "good_control": control})


class Migration(migrations.Migration):
    dependencies = [("reviews", "0013_gate_reference_data")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
