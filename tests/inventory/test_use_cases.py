"""Round trips of the use-case file: export -> edit -> dry run -> import, through the services."""

import pytest

from intake.models import UseCase
from inventory.transfer import export_dataset, import_dataset

from .conftest import as_dataset


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_round_trip_one_edited_row_is_updated_and_audited(inventory, gov, fmt):
    data = as_dataset(export_dataset(resource="use_cases"), fmt)
    first = inventory["use_cases"][0]
    row = data["reference"].index(first.reference)
    edited = list(data[row])
    edited[data.headers.index("title")] = "Ticket summaries for agents"
    data[row] = edited
    history_before = first.history.count()

    preview = import_dataset(actor=gov, resource="use_cases", dataset=data, dry_run=True)

    assert (preview.created, preview.updated, preview.unchanged, preview.refused) == (0, 1, 2, 0)
    first.refresh_from_db()
    assert first.title == "Use case 1"  # the dry run stored nothing
    assert first.history.count() == history_before

    report = import_dataset(actor=gov, resource="use_cases", dataset=data)

    assert report.summary() == "created 0, updated 1, unchanged 2, refused 0"
    first.refresh_from_db()
    assert first.title == "Ticket summaries for agents"
    latest = first.history.first()
    assert latest.title == "Ticket summaries for agents" and latest.history_user == gov
    others = inventory["use_cases"][1:]
    assert all(uc.history.count() == UseCase.objects.get(pk=uc.pk).history.count() for uc in others)

def test_same_file_twice_changes_nothing(inventory, gov, custops):
    data = export_dataset(resource="use_cases")
    new = list(data[0])
    headers = data.headers
    new[headers.index("external_id")] = "LEGACY-42"
    new[headers.index("reference")] = ""
    new[headers.index("title")] = "Imported from the old register"
    data.append(new)

    first = import_dataset(actor=gov, resource="use_cases", dataset=data)
    assert first.summary() == "created 1, updated 0, unchanged 3, refused 0", first.problems
    assert first.summary() == "created 1, updated 0, unchanged 3, refused 0"
    imported = UseCase.objects.get(external_id="LEGACY-42")
    assert imported.reference.startswith("UC-") and imported.kpis.count() == 1
    assert imported.vendors.count() == 2 and imported.ai_models.count() == 1
    history = {uc.pk: uc.history.count() for uc in UseCase.objects.all()}

    second = import_dataset(actor=gov, resource="use_cases", dataset=data)

    assert second.summary() == "created 0, updated 0, unchanged 4, refused 0"
    assert {uc.pk: uc.history.count() for uc in UseCase.objects.all()} == history

def test_a_created_row_has_one_creation_record_with_its_links_and_kpis_by_the_importer(inventory, gov):
    data = export_dataset(resource="use_cases")
    new = list(data[0])
    new[data.headers.index("external_id")], new[data.headers.index("reference")] = "LEGACY-7", ""
    data.append(new)

    assert import_dataset(actor=gov, resource="use_cases", dataset=data).created == 1

    imported = UseCase.objects.get(external_id="LEGACY-7")
    (record,) = imported.history.all()
    assert (record.history_type, record.history_user, record.history_date) == ("+", gov, imported.created_at)
    assert {v.vendor_id for v in record.vendors.all()} == set(imported.vendors.values_list("pk", flat=True))
    assert {m.aimodel_id for m in record.ai_models.all()} == set(imported.ai_models.values_list("pk", flat=True))
    assert len(record.vendors.all()) == 2
    (kpi,) = imported.kpis.all()
    assert [(r.history_type, r.history_user, r.name) for r in kpi.history.all()] == [("+", gov, kpi.name)]
    assert list(imported.events.values_list("kind", "actor")) == [("created", gov.pk)]


def test_export_writes_external_id_or_reference(inventory, gov):
    first = inventory["use_cases"][0]
    UseCase.objects.filter(pk=first.pk).update(external_id="OLD-1")
    data = export_dataset(resource="use_cases")
    assert set(data["external_id"]) == {"OLD-1", *(uc.reference for uc in inventory["use_cases"][1:])}
    assert data["vendors"][data["reference"].index(first.reference)] == "V-{}; VEN-NW".format(
        inventory["vendors"][1].pk)

def test_changed_kpis_and_vendors_update_through_the_service(inventory, gov):
    data = export_dataset(resource="use_cases")
    first = inventory["use_cases"][0]
    row = data["reference"].index(first.reference)
    edited = list(data[row])
    edited[data.headers.index("kpis")] = ("Handling time|process_efficiency|minutes|12|6|decrease; "
                                          "CSAT|business_outcome|points|70|80|increase")
    edited[data.headers.index("vendors")] = "VEN-NW"
    data[row] = edited

    report = import_dataset(actor=gov, resource="use_cases", dataset=data)

    assert report.summary() == "created 0, updated 1, unchanged 2, refused 0"
    assert sorted(first.kpis.values_list("name", flat=True)) == ["CSAT", "Handling time"]
    assert list(first.vendors.values_list("external_id", flat=True)) == ["VEN-NW"]

def test_a_stage_change_of_an_existing_use_case_is_refused(inventory, gov):
    data = export_dataset(resource="use_cases")
    edited = list(data[0])
    edited[data.headers.index("stage")] = "pilot"
    data[0] = edited

    report = import_dataset(actor=gov, resource="use_cases", dataset=data)

    assert report.refused == 1 and report.problems[0].column == "stage"
    assert "through its gate" in report.problems[0].reason

def test_a_new_row_refused_by_the_submission_rules_names_the_column(inventory, gov):
    data = export_dataset(resource="use_cases")
    new = list(data[0])
    new[data.headers.index("external_id")] = "LEGACY-7"
    new[data.headers.index("stage")] = "pilot"
    new[data.headers.index("summary")] = ""
    data.append(new)

    report = import_dataset(actor=gov, resource="use_cases", dataset=data)

    assert report.stored is False and not UseCase.objects.filter(external_id="LEGACY-7").exists()
    assert any(p.row == 4 and p.column in {"summary", "stage"} for p in report.problems), report.problems
