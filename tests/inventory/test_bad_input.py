"""Refused files: the row and column named, nothing from the file stored, never a 500."""

import pytest
import tablib

from intake.models import UseCase
from inventory import limits
from inventory.resources import UseCaseResource
from inventory.transfer import export_dataset, import_dataset, import_file
from vendors.models import Vendor


def _edit(data, row: int, **cells):
    values = list(data[row])
    for name, value in cells.items():
        values[data.headers.index(name)] = value
    data[row] = values
    return data


@pytest.fixture
def data(inventory):
    return export_dataset(resource="use_cases")


def _problems(report):
    return [(p.row, p.column) for p in report.problems]


@pytest.mark.parametrize(("column", "value", "says"), [
    ("business_unit", "NOPE", "Unknown business unit 'NOPE'"),
    ("business_owner", "nobody.here", "Unknown user 'nobody.here'"),
    ("vendors", "VEN-NW; Acme Ghost", "Unknown vendor 'Acme Ghost'"),
    ("data_classification", "secret", "'secret' is not one of: public, internal, confidential, restricted"),
    ("generates_content", "maybe", "'maybe' is not yes or no"),
    ("target_release", "next spring", "write it as YYYY-MM-DD"),
    ("kpis", "Handling time|speed|minutes|12|8|decrease", "'speed' is not one of"),
])
def test_an_unknown_reference_or_enum_value_is_refused_at_its_row_and_column(data, gov, column, value, says):
    _edit(data, 1, title="Changed too", **{column: value})
    titles = sorted(UseCase.objects.values_list("title", flat=True))

    report = import_dataset(actor=gov, resource="use_cases", dataset=data)

    assert _problems(report) == [(2, column)]
    assert says in report.problems[0].reason
    assert f"row 2, column {column}: " in str(report.problems[0])
    assert report.summary() == "created 0, updated 0, unchanged 0, refused 1"
    assert sorted(UseCase.objects.values_list("title", flat=True)) == titles


def test_a_refused_row_refuses_the_whole_file(data, gov):
    _edit(data, 0, title="A good change")
    _edit(data, 2, business_unit="NOPE")

    report = import_dataset(actor=gov, resource="use_cases", dataset=data)

    assert _problems(report) == [(3, "business_unit")]
    assert not UseCase.objects.filter(title="A good change").exists()


def test_a_duplicate_external_id_is_refused_at_its_second_row(data, gov):
    _edit(data, 2, external_id=data["external_id"][0], title="Sneaky")

    report = import_dataset(actor=gov, resource="use_cases", dataset=data)

    assert _problems(report) == [(3, "external_id")]
    assert "also on row 1" in report.problems[0].reason
    assert not UseCase.objects.filter(title="Sneaky").exists()


def test_a_blank_external_id_is_refused(data, gov):
    _edit(data, 0, external_id="")
    assert _problems(import_dataset(actor=gov, resource="use_cases", dataset=data)) == [(1, "external_id")]


def test_a_made_up_generated_id_is_refused(data, gov):
    row = list(data[0])
    data.append(row)
    _edit(data, 3, external_id="UC-9999", reference="")
    report = import_dataset(actor=gov, resource="use_cases", dataset=data)
    assert _problems(report) == [(4, "external_id")]


def test_blank_rows_under_the_data_are_ignored(data, gov):
    data.append([""] * len(data.headers))
    data.append([None] * len(data.headers))
    assert import_dataset(actor=gov, resource="use_cases", dataset=data).summary() == (
        "created 0, updated 0, unchanged 3, refused 0")


def test_a_wrong_header_names_the_column(data, gov):
    headers = list(data.headers)
    headers[headers.index("title")] = "name"
    data.headers = headers

    report = import_dataset(actor=gov, resource="use_cases", dataset=data)

    assert sorted(_problems(report), key=str) == [(None, "name"), (None, "title")]
    assert "Unknown column" in str(report.problems[0]) or "Unknown column" in str(report.problems[1])


def test_more_rows_than_the_limit_are_refused_before_any_row_is_read(data, gov, settings):
    settings.INVENTORY_IMPORT_MAX_ROWS = 2
    count = UseCase.objects.count()

    report = import_dataset(actor=gov, resource="use_cases", dataset=data)

    assert _problems(report) == [(3, "")]
    assert "More than 2 rows" in report.problems[0].reason
    assert UseCase.objects.count() == count


def test_the_real_limit_is_ten_thousand_rows(gov, db):
    headers = UseCaseResource().columns()
    big = tablib.Dataset(*([f"LEGACY-{n}"] + [""] * (len(headers) - 1) for n in range(10_001)), headers=headers)
    assert limits.max_rows() == 10_000
    report = import_dataset(actor=gov, resource="use_cases", dataset=big)
    assert [str(p) for p in report.problems] == ["row 10001: More than 10,000 rows in one file (10,001); split it."]


def test_a_file_that_is_not_csv_or_xlsx_is_refused(tmp_path, gov, db):
    pdf = tmp_path / "inventory.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    report = import_file(actor=gov, resource="vendors", path=pdf)
    assert "is not a CSV or XLSX file" in str(report.problems[0])

    fake = tmp_path / "inventory.xlsx"
    fake.write_text("external_id,name\nX,Y\n")
    report = import_file(actor=gov, resource="vendors", path=fake)
    assert "cannot be read as XLSX" in str(report.problems[0])
    assert not Vendor.objects.exists()


def test_a_non_governance_admin_is_refused_by_the_service(data, ava):
    _edit(data, 0, title="Mine now")
    report = import_dataset(actor=ava, resource="use_cases", dataset=data)
    assert [str(p) for p in report.problems] == ["file: Only governance admins import inventory files."]
    assert not UseCase.objects.filter(title="Mine now").exists()
