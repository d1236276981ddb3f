"""A use case imported at its real stage: created, submitted and registered by the gate service."""

import datetime

from intake.models import UseCase
from inventory.transfer import export_dataset, import_dataset
from reviews.selectors import registration_criteria


def _scaled_row(data, *, missing: str, owner: str = "dora.delivery", due: str = "2026-09-30"):
    row = list(data[0])
    h = data.headers
    row[h.index("external_id")] = "LEGACY-SCALED"
    row[h.index("stage")] = "scaled"
    row[h.index("registration_rationale")] = "Live since 2024 in all regions; evidence reviewed with the owners."
    row[h.index("missing_criteria")] = missing
    row[h.index("remediation_owner")] = owner
    row[h.index("remediation_due")] = due
    data.append(row)
    return data


def test_criteria_keys_are_what_the_file_names(inventory):
    keys = [key for key, _label in registration_criteria(inventory["use_cases"][0], "scaled")]
    assert len(keys) >= 2 and all(":" in key for key in keys)


def test_a_scaled_row_with_two_missing_criteria_is_registered_with_a_remediation_list(inventory, gov):
    keys = [key for key, _label in registration_criteria(inventory["use_cases"][0], "scaled")][:2]
    data = _scaled_row(export_dataset(resource="use_cases"), missing="; ".join(keys))

    report = import_dataset(actor=gov, resource="use_cases", dataset=data)

    assert report.summary() == "created 1, updated 0, unchanged 3, refused 0", report.problems
    use_case = UseCase.objects.get(external_id="LEGACY-SCALED")
    assert use_case.stage == "scaled"
    items = list(use_case.remediation_items.order_by("criterion_key"))
    assert [i.criterion_key for i in items] == sorted(keys)
    assert {i.owner.username for i in items} == {"dora.delivery"}
    assert {i.due_on for i in items} == {datetime.date(2026, 9, 30)}


def test_an_importer_who_is_the_rows_business_owner_is_refused_by_separation_of_duties(inventory, gov):
    """Filing the record ties nobody (the importer is a clerk); owning it does, import or not."""
    keys = [key for key, _label in registration_criteria(inventory["use_cases"][0], "scaled")][:2]
    data = _scaled_row(export_dataset(resource="use_cases"), missing="; ".join(keys))
    row = list(data[-1])
    row[data.headers.index("business_owner")] = gov.username
    data[-1] = row
    count = UseCase.objects.count()

    report = import_dataset(actor=gov, resource="use_cases", dataset=data)

    assert [(p.row, p.column) for p in report.problems] == [(4, "stage")]
    reason = report.problems[0].reason
    assert "Separation of duties" in reason and reason.endswith("are Accountable for its business outcome.")
    assert "created it" not in reason and "submitted it" not in reason
    assert UseCase.objects.count() == count


def test_an_unknown_criterion_is_refused_at_its_column_and_nothing_is_stored(inventory, gov):
    data = _scaled_row(export_dataset(resource="use_cases"), missing="pilot:no_such_thing")
    count = UseCase.objects.count()

    report = import_dataset(actor=gov, resource="use_cases", dataset=data)

    assert report.refused == 1 and UseCase.objects.count() == count
    problem = report.problems[0]
    assert (problem.row, problem.column) == (4, "missing_criteria")
    assert "pilot:no_such_thing" in problem.reason


def test_missing_criteria_need_an_owner_and_a_date(inventory, gov):
    keys = [key for key, _label in registration_criteria(inventory["use_cases"][0], "pilot")][:1]
    data = _scaled_row(export_dataset(resource="use_cases"), missing=keys[0], owner="", due="")

    report = import_dataset(actor=gov, resource="use_cases", dataset=data)

    assert {p.column for p in report.problems} == {"remediation_owner", "remediation_due"}
