"""Vendors, registry models and assessments: the same round trip, through the vendor rules."""

import pytest

from inventory.transfer import export_dataset, import_dataset
from reviews.models import DependencyFlag
from tests.reviews.test_dependency_flags import live, opened
from vendors.models import AIModel, ChecklistArea, Vendor, VendorAssessment

from .conftest import as_dataset


def _edit(data, row: int, **cells):
    values = list(data[row])
    for name, value in cells.items():
        values[data.headers.index(name)] = value
    data[row] = values
    return data


def _append(data, **cells):
    data.append([""] * len(data.headers))
    return _edit(data, data.height - 1, **cells)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_vendor_round_trip_keys_by_external_id_or_generated_id(inventory, gov, fmt):
    data = as_dataset(export_dataset(resource="vendors"), fmt)
    fernleaf = inventory["vendors"][1]
    assert sorted(data["external_id"]) == sorted(["VEN-NW", f"V-{fernleaf.pk}"])
    _edit(data, data["name"].index("Fernleaf Analytics"), criticality="high")
    _append(data, external_id="VEN-NEW", name="Brightwater Voice", criticality="low")

    preview = import_dataset(actor=gov, resource="vendors", dataset=data, dry_run=True)
    assert preview.summary() == "created 1, updated 1, unchanged 1, refused 0"
    assert not Vendor.objects.filter(name="Brightwater Voice").exists()

    report = import_dataset(actor=gov, resource="vendors", dataset=data)

    assert report.summary() == "created 1, updated 1, unchanged 1, refused 0"
    fernleaf.refresh_from_db()
    assert fernleaf.criticality == "high" and fernleaf.external_id == ""
    assert fernleaf.history.first().history_user == gov
    new = Vendor.objects.get(external_id="VEN-NEW")
    assert new.status == "prospect" and new.history.first().history_user == gov
    again = import_dataset(actor=gov, resource="vendors", dataset=data)
    assert again.summary() == "created 0, updated 0, unchanged 3, refused 0"


def test_vendor_status_is_not_importable(inventory, gov):
    data = export_dataset(resource="vendors")
    _edit(data, 0, status="approved")
    assert import_dataset(actor=gov, resource="vendors", dataset=data).summary() == (
        "created 0, updated 0, unchanged 2, refused 0")
    assert not Vendor.objects.filter(status="approved").exists()


def test_model_round_trip_and_bad_enum(inventory, gov):
    data = export_dataset(resource="models")
    _append(data, external_id="MOD-2", provider="VEN-NW", name="Atlas", version="3.0", hosting="vendor_api",
            max_data_classification="internal", max_tier="medium", status="approved")
    report = import_dataset(actor=gov, resource="models", dataset=data)
    assert report.summary() == "created 1, updated 0, unchanged 1, refused 0", report.problems
    assert AIModel.objects.get(external_id="MOD-2").provider == inventory["vendors"][0]

    _edit(data, 1, max_tier="prohibited")
    report = import_dataset(actor=gov, resource="models", dataset=data)
    assert [(p.row, p.column) for p in report.problems] == [(2, "max_tier")]


def test_a_model_banned_in_the_file_flags_the_live_use_cases_that_call_it(inventory, gov, ava, custops):
    model = inventory["model"]
    use_case = live(ava, custops, models=[model])
    data = export_dataset(resource="models")
    _edit(data, 0, status="banned")

    report = import_dataset(actor=gov, resource="models", dataset=data)

    assert report.summary() == "created 0, updated 1, unchanged 0, refused 0", report.problems
    model.refresh_from_db()
    assert model.status == "banned" and model.history.first().history_change_reason.startswith(
        "Status approved -> banned")
    flags = DependencyFlag.objects.filter(kind="model", object_id=model.pk, cleared_at=None)
    assert list(flags.values_list("use_case", "status")) == [(use_case.pk, "banned")]
    assert opened(use_case) == ["architecture", "security"]


def test_model_with_an_unknown_vendor_is_refused(inventory, gov):
    data = export_dataset(resource="models")
    _edit(data, 0, provider="Nobody Inc")
    report = import_dataset(actor=gov, resource="models", dataset=data)
    assert [str(p) for p in report.problems] == ["row 1, column provider: Unknown vendor 'Nobody Inc'."]


def test_a_completed_assessment_is_imported_through_the_vendor_services(inventory, gov):
    ratings = "; ".join(f"{key}=meets" for key in ChecklistArea.objects.filter(active=True).values_list("key",
                                                                                                        flat=True))
    data = export_dataset(resource="assessments")
    _append(data, external_id="DD-1", vendor="Fernleaf Analytics", assessor="gov.admin", ratings=ratings,
            outcome="approved")

    report = import_dataset(actor=gov, resource="assessments", dataset=data)

    assert report.summary() == "created 1, updated 0, unchanged 0, refused 0", report.problems
    assessment = VendorAssessment.objects.get(external_id="DD-1")
    assert assessment.status == "completed" and assessment.outcome == "approved"
    assert Vendor.objects.get(name="Fernleaf Analytics").status == "approved"
    exported = export_dataset(resource="assessments")
    again = import_dataset(actor=gov, resource="assessments", dataset=exported)
    assert again.summary() == "created 0, updated 0, unchanged 1, refused 0", again.problems


def test_an_assessment_missing_ratings_cannot_be_completed(inventory, gov):
    data = export_dataset(resource="assessments")
    _append(data, external_id="DD-2", vendor="VEN-NW", ratings="", outcome="approved")

    report = import_dataset(actor=gov, resource="assessments", dataset=data)

    assert [(p.row, p.column) for p in report.problems] == [(1, "ratings")]
    assert not VendorAssessment.objects.exists()
    assert Vendor.objects.get(external_id="VEN-NW").status == "prospect"
