"""``export_inventory`` and ``import_inventory``: the contract's output and exit codes."""

import pytest
import tablib
from django.core.management import call_command

from intake.models import UseCase


def _run(*args):
    from io import StringIO

    out, err = StringIO(), StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_edit_dry_run_then_import(inventory, gov, tmp_path, fmt):
    path = tmp_path / f"use_cases.{fmt}"
    code, out, _err = _run("export_inventory", "use_cases", str(path))
    assert code == 0 and "exported 3 use_cases" in out
    data = tablib.Dataset().load(path.read_bytes() if fmt == "xlsx" else path.read_text(), format=fmt)
    row = list(data[0])
    row[data.headers.index("title")] = "Edited in a spreadsheet"
    data[0] = row
    path.write_bytes(data.export(fmt) if fmt == "xlsx" else data.export(fmt).encode())

    code, out, _err = _run("import_inventory", "use_cases", str(path), "--dry-run", "--actor", "gov.admin")
    assert code == 0
    assert out.strip().splitlines()[-1] == "created 0, updated 1, unchanged 2, refused 0"
    assert not UseCase.objects.filter(title="Edited in a spreadsheet").exists()

    code, out, _err = _run("import_inventory", "use_cases", str(path), "--actor", "gov.admin")
    assert code == 0 and out.strip().splitlines()[-1] == "created 0, updated 1, unchanged 2, refused 0"
    assert UseCase.objects.get(title="Edited in a spreadsheet").history.first().history_user == gov


def test_a_refused_file_exits_non_zero_and_lists_each_row(inventory, gov, tmp_path):
    path = tmp_path / "use_cases.csv"
    _run("export_inventory", "use_cases", str(path))
    data = tablib.Dataset().load(path.read_text(), format="csv")
    for n in (0, 2):
        row = list(data[n])
        row[data.headers.index("business_unit")] = "NOPE"
        data[n] = row
    path.write_text(data.export("csv"))

    code, out, err = _run("import_inventory", "use_cases", str(path), "--actor", "gov.admin")

    assert code == 1
    assert "row 1, column business_unit: Unknown business unit 'NOPE'." in err
    assert "row 3, column business_unit: Unknown business unit 'NOPE'." in err
    assert out.strip().splitlines()[-1] == "created 0, updated 0, unchanged 0, refused 2"


def test_a_non_admin_actor_is_refused(inventory, ava, tmp_path):
    path = tmp_path / "vendors.csv"
    _run("export_inventory", "vendors", str(path))
    code, _out, err = _run("import_inventory", "vendors", str(path), "--actor", ava.username)
    assert code == 1 and "Only governance admins import inventory files." in err


def test_a_file_that_is_not_csv_or_xlsx(gov, tmp_path):
    path = tmp_path / "vendors.json"
    path.write_text("[]")
    code, _out, err = _run("import_inventory", "vendors", str(path), "--actor", "gov.admin")
    assert code == 1 and "is not a CSV or XLSX file" in err
