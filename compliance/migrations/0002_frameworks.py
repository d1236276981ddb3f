"""Load the three shipped frameworks (EU AI Act, NIST AI RMF 1.0, ISO/IEC 42001 Annex A) and open the
registers of the use cases that exist, with the same loader ``load_framework`` uses."""

from pathlib import Path

from django.db import migrations

FILES = ("eu-ai-act.json", "nist-ai-rmf.json", "iso-42001.json")


def load(apps, schema_editor):
    from compliance import loading
    from compliance.controls import control_keys
    from compliance.library import parse

    models = {name: apps.get_model("compliance", name) for name in ("Framework", "Requirement", "CrosswalkEntry")}
    folder = Path(__file__).resolve().parent.parent / "frameworks"
    keys = control_keys(apps.get_model)
    for name in FILES:
        loading.apply(parse((folder / name).read_text(encoding="utf-8"), known_keys=keys), **models)
    Requirement, Obligation = models["Requirement"], apps.get_model("compliance", "Obligation")
    loading.sync_organisation(Requirement=Requirement, Obligation=Obligation)
    requirements = list(Requirement.objects.filter(scope="system", assessable=True, deprecated=False)
                        .select_related("framework"))
    for use_case in apps.get_model("intake", "UseCase").objects.order_by("id"):
        loading.sync_use_case(use_case, Requirement=Requirement, Obligation=Obligation, requirements=requirements)


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0001_initial"),
        ("reviews", "0016_checklist_review_functions_validated"),
        ("vendors", "0007_vendor_questions_data"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
