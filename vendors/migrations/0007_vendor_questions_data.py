"""Seed the questions to ask a vendor in each due-diligence area, one per line, shown beside each rating.
Only blank areas are filled, so questions an admin already wrote stay; reversing leaves the text."""

from django.db import migrations

QUESTIONS = {
    "use_case_fit": [
        "Which of your customers use the product for a problem like ours, and what changed for them?",
        "What would we have to build or work around ourselves to make it fit?",
    ],
    "workflow_integration": [
        "Which of our tools do you integrate with today, and how (API, plug-in, file export)?",
        "Do you support our single sign-on and user provisioning?",
        "What does a user's day look like with the product in place?",
    ],
    "data_handling": [
        "Where is our data stored and processed, and who at your company can access it?",
        "How long do you keep our inputs and outputs, and how do we get them deleted?",
        "Do you use our data to train or improve any model? Can that be switched off in the contract?",
    ],
    "security_posture": [
        "Which current certifications or audit reports can you share (for example SOC 2, ISO 27001)?",
        "When was your last independent penetration test, and how were findings fixed?",
        "How and how fast do you tell customers about a security incident?",
    ],
    "privacy_compliance": [
        "Will you sign our data processing agreement, and who are your sub-processors?",
        "Does any data leave the EU, and under what transfer safeguards?",
        "Which EU AI Act duties do you meet as provider, and what documentation do you give deployers?",
    ],
    "model_reliability": [
        "How was the model evaluated, on what data, and with what results?",
        "What are its known failure modes and limits?",
        "Can we test it on a sample of our own data before we sign?",
    ],
    "human_oversight": [
        "How can our people review, correct or override an output before it takes effect?",
        "Can an automated action be stopped and undone, and is each one logged?",
    ],
    "implementation_effort": [
        "What do you need from our teams to go live, and for how long?",
        "What is a realistic timeline for a customer of our size?",
        "Which parts are configuration and which need custom work?",
    ],
    "vendor_maturity": [
        "How long have you offered this product, and how many customers run it in production?",
        "Can we speak to two references of a similar size and sector?",
        "How is the company funded, and what is on the roadmap for the next year?",
    ],
    "commercial_model": [
        "How does the price change at ten times our pilot volume?",
        "Which usage is billed separately, and can we set spending caps and alerts?",
        "How much notice do you give of price changes?",
    ],
    "interoperability_exit": [
        "In what format can we export our data, configuration and logs, at any time?",
        "What help do you give at the end of the contract, and at what cost?",
        "Which parts would we have to rebuild to move to another provider?",
    ],
    "monitoring_support": [
        "What usage and quality monitoring do we get after go-live?",
        "What are your support hours and response times, and are they in the contract?",
        "How much notice do you give before changing or retiring the model we use?",
    ],
}


def seed(apps, schema_editor):
    ChecklistArea = apps.get_model("vendors", "ChecklistArea")
    for area in ChecklistArea.objects.filter(key__in=QUESTIONS, questions=""):
        area.questions = "\n".join(QUESTIONS[area.key])
        area.save(update_fields=["questions"])


class Migration(migrations.Migration):
    dependencies = [("vendors", "0006_vendor_questions")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
