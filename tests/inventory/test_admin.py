"""The admin's template -> upload -> dry-run preview -> confirm, as the governance admin."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from intake.models import StrategicOutcome, UseCase
from inventory.transfer import export_dataset
from vendors.models import Vendor

IMPORT = "admin:intake_usecase_import"
PROCESS = "admin:intake_usecase_process_import"


def _csv_with_title(title: str, row: int = 0) -> bytes:
    data = export_dataset(resource="use_cases")
    values = list(data[row])
    values[data.headers.index("title")] = title
    data[row] = values
    return data.export("csv").encode()


def _upload(client, content: bytes, name: str = "use_cases.csv"):
    return client.post(reverse(IMPORT), {"format": "0", "resource": "0",
                                         "import_file": SimpleUploadedFile(name, content, "text/csv")})


def test_template_download_per_resource(client, gov, db):
    client.force_login(gov)
    for model in ("intake_usecase", "vendors_vendor", "vendors_aimodel", "vendors_vendorassessment"):
        response = client.get(reverse(f"admin:{model}_import_template", args=["csv"]))
        assert response.status_code == 200
        assert response.content.decode().startswith("external_id,")
    xlsx = client.get(reverse("admin:vendors_vendor_import_template", args=["xlsx"]))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    page = client.get(reverse(IMPORT))
    assert reverse("admin:intake_usecase_import_template", args=["xlsx"]) in page.content.decode()


def test_preview_then_confirm_stores_the_change(client, gov, inventory):
    client.force_login(gov)
    preview = _upload(client, _csv_with_title("Renamed in admin"))

    assert preview.status_code == 200
    result = preview.context["result"]
    assert not result.has_errors() and not result.has_validation_errors()
    assert [r.import_type for r in result.rows].count("update") == 1
    assert [r.import_type for r in result.rows].count("skip") == 2
    assert not UseCase.objects.filter(title="Renamed in admin").exists()
    confirm = preview.context["confirm_form"]

    done = client.post(reverse(PROCESS), confirm.initial)

    assert done.status_code == 302
    changed = UseCase.objects.get(title="Renamed in admin")
    assert changed.history.first().history_user == gov


def test_a_refused_row_shows_its_column_and_offers_no_confirm(client, gov, inventory):
    client.force_login(gov)
    data = export_dataset(resource="use_cases")
    values = list(data[1])
    values[data.headers.index("business_unit")] = "NOPE"
    data[1] = values

    preview = _upload(client, data.export("csv").encode())

    assert preview.status_code == 200
    assert "confirm_form" not in preview.context
    assert "Unknown business unit" in preview.content.decode()


def test_a_file_refused_at_confirm_stores_nothing(client, gov, inventory):
    client.force_login(gov)
    preview = _upload(client, _csv_with_title("Renamed in admin"))
    confirm = preview.context["confirm_form"].initial
    StrategicOutcome.objects.update(name="Renamed since the preview")  # the file no longer matches

    done = client.post(reverse(PROCESS), confirm, follow=True)

    assert done.redirect_chain[-1][0] == reverse(IMPORT)
    shown = [str(m) for m in done.context["messages"]]
    assert "row 1, column strategic_outcome: Unknown strategic outcome 'Faster service'." in shown
    assert shown[-1] == "Nothing from this file was stored."
    assert not UseCase.objects.filter(title="Renamed in admin").exists()


def test_a_non_admin_cannot_import(client, inventory, ava):
    ava.is_staff = True
    ava.save()
    client.force_login(ava)
    assert client.get(reverse(IMPORT)).status_code == 403
    response = client.post(reverse("admin:vendors_vendor_import"),
                           {"format": "0", "import_file": SimpleUploadedFile("v.csv", b"external_id\n")})
    assert response.status_code == 403
    assert Vendor.objects.count() == 2


def test_export_page_is_there_for_the_governance_admin(client, gov, inventory):
    client.force_login(gov)
    for model in ("intake_usecase", "vendors_vendor", "vendors_aimodel", "vendors_vendorassessment"):
        assert client.get(reverse(f"admin:{model}_export")).status_code == 200
