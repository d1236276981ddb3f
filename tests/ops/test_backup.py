"""`manage.py backup` and `manage.py restore`: a backup of the demo restored into a fresh database and a
fresh file store holds the same use cases, decisions and files; a damaged or foreign backup is refused
before anything changes. Runs on the configured database (SQLite, or PostgreSQL in the PostgreSQL run)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, models, transaction
from django.test.utils import override_settings

from demo import reports, reviews, usecases, vendors
from demo.people import PROCUREMENT, seed_people, submitter_of
from intake.models import UseCase
from ops.backup import backup
from reports import pdf
from tests.ops.s3_server import CREDENTIALS, s3_bucket_fixture, s3_server_fixture  # noqa: F401 - fixtures

# The demo's seed_demo takes about 40 s; these use cases (taken through reviews and gates, with their
# uploads) and the PMO's board packs are a representative part of it, seeded by the demo's own functions.
ADVANCED_STAGES = ("scaled", "controlled_rollout", "pilot")
STUB_PDF = b"%PDF-1.7\n% a demo board pack\n%%EOF\n"


def snapshot() -> dict:
    """What a restore must bring back: the use cases, their reviews and gate decisions, and every stored
    file (its name and SHA-256, read through the storage)."""
    from reviews.models import GateDecision, Review

    files = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField):
                for name in model.objects.exclude(**{field.name: ""}).values_list(field.name, flat=True):
                    with field.storage.open(name, "rb") as handle:
                        files.append([model._meta.label, name, hashlib.sha256(handle.read()).hexdigest()])
    return {
        "use_cases": sorted([u.reference, u.title, u.status, u.stage] for u in UseCase.objects.all()),
        "reviews": sorted([r.use_case.reference, r.function, r.stage, r.status]
                          for r in Review.objects.select_related("use_case")),
        "gate_decisions": sorted([d.use_case.reference, d.from_stage, d.to_stage, d.outcome, d.rationale]
                                 for d in GateDecision.objects.select_related("use_case")),
        "files": sorted(files),
    }


def seed_demo_subset() -> None:
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"), transaction.atomic():
        users = seed_people()
        vendors.seed_vendors(actor=users[PROCUREMENT])
        drafts = usecases.seed_use_case_drafts(users)
        advanced = [(use_case, spec) for use_case, spec in drafts if spec["stage"] in ADVANCED_STAGES][:4]
        for use_case, spec in advanced:
            reviews.advance(use_case, spec, users, submitter_of(spec, users))
        reports.seed_board_packs(users)  # rendered when this transaction commits


def process_environment(tmp_path: Path, label: str, **extra: str) -> dict[str, str]:
    """Environment variables for a Stagegate process on an empty SQLite database and file store of its own."""
    env = {key: value for key, value in os.environ.items()
           if key not in {"REDIS_URL", "STORAGE_URL", "DATABASE_URL", "PYTEST_XDIST_WORKER"}}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.dev", DATABASE_URL=f"sqlite:///{tmp_path / f'{label}.sqlite3'}",
               MEDIA_ROOT=str(tmp_path / f"{label}-media"), **extra)
    return env


def fresh_environment(tmp_path: Path, label: str, **extra: str) -> dict[str, str]:
    """As process_environment, on an empty database of the configured vendor (a new one on PostgreSQL)."""
    env = process_environment(tmp_path, label, **extra)
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        name = f"{db['NAME']}_{label}_{os.getpid()}"
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
        password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
        credentials = quote(db["USER"] or "", safe="") + password
        env["DATABASE_URL"] = f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{name}"
    return env


def drop_fresh_database(env: dict[str, str]) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{env["DATABASE_URL"].rsplit("/", 1)[1]}" WITH (FORCE)')


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], env=env, cwd=settings.BASE_DIR,  # noqa: S603
                          capture_output=True, text=True, timeout=120, check=False)


def snapshot_in(env: dict[str, str], tmp_path: Path) -> dict:
    out = tmp_path / "snapshot.json"
    code = ("import django, json, pathlib; django.setup(); from tests.ops.test_backup import snapshot; "
            f"pathlib.Path({str(out)!r}).write_text(json.dumps(snapshot()))")
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=settings.BASE_DIR,  # noqa: S603
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(out.read_text())


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def stub_render(monkeypatch):
    monkeypatch.setattr(pdf, "render_pdf", lambda html: STUB_PDF)  # the packs' contents are not at issue here


# transaction=True: pg_dump (or SQLite's backup) reads what is committed; serialized_rollback brings back
# the seeded reference data the flush afterwards would remove.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_demo_restored_into_a_fresh_database_has_its_use_cases_decisions_and_files(
        media, stub_render, tmp_path, capsys):
    seed_demo_subset()
    before = snapshot()
    assert before["gate_decisions"] and len({f[0] for f in before["files"]}) >= 2  # evidence uploads and packs

    call_command("backup", "--into", str(tmp_path / "backups"))
    (directory,) = (tmp_path / "backups").iterdir()
    assert f"into {directory}" in capsys.readouterr().out
    manifest = json.loads((directory / "manifest.json").read_text())
    assert manifest["database"]["vendor"] == connection.vendor
    copies = [path for path in (directory / "files").rglob("*") if path.is_file()]
    assert manifest["file_count"] == len(before["files"]) == len(copies)
    assert manifest["migrations"]["intake"] and manifest["created_at"].endswith("Z")

    env = fresh_environment(tmp_path, "restore")
    try:
        restored = manage(env, "restore", "--noinput", str(directory))
        assert restored.returncode == 0, restored.stderr[-3000:]
        assert f"Wrote {len(before['files'])} files to storage" in restored.stdout
        assert snapshot_in(env, tmp_path) == before
    finally:
        drop_fresh_database(env)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_files_in_a_bucket_are_backed_up_and_restored_into_another(s3_bucket, s3_server, tmp_path):
    default_storage.save("evidence/2026/06/plan.pdf", ContentFile(b"%PDF-1.7 plan"))
    default_storage.save("board-packs/2026/06/pack.pdf", ContentFile(b"%PDF-1.7 pack"))

    done = backup(tmp_path / "backups")
    assert (done.files, done.bytes) == (2, 26)
    assert (done.directory / "files" / "evidence/2026/06/plan.pdf").read_bytes() == b"%PDF-1.7 plan"

    target = f"stagegate-restored-{os.getpid()}"
    s3_server.client().create_bucket(Bucket=target)
    env = fresh_environment(tmp_path, "bucket", STORAGE_URL=s3_bucket.url.replace(s3_bucket.name, target, 1),
                            **CREDENTIALS)
    try:
        restored = manage(env, "restore", "--noinput", str(done.directory))
        assert restored.returncode == 0, restored.stderr[-3000:]
    finally:
        drop_fresh_database(env)
    listed = s3_server.client().list_objects_v2(Bucket=target)["Contents"]
    assert sorted(item["Key"] for item in listed) == ["board-packs/2026/06/pack.pdf", "evidence/2026/06/plan.pdf"]


@pytest.fixture
def made_backup(db, media, tmp_path) -> Path:
    default_storage.save("evidence/2026/06/plan.pdf", ContentFile(b"%PDF-1.7 plan"))
    return backup(tmp_path / "backups").directory


def test_a_backup_without_its_manifest_is_refused_with_a_failing_exit_code(made_backup, tmp_path):
    (made_backup / "manifest.json").unlink()
    refused = manage(process_environment(tmp_path, "refused"), "restore", "--noinput", str(made_backup))
    assert refused.returncode != 0
    assert f"{made_backup / 'manifest.json'} is missing: {made_backup} is not a finished backup." in refused.stderr


def test_a_damaged_file_is_refused_before_anything_changes(made_backup):
    (made_backup / "files" / "evidence/2026/06/plan.pdf").write_bytes(b"%PDF-1.7 tampered")
    with pytest.raises(CommandError, match=r"plan\.pdf does not match its checksum in the manifest"):
        call_command("restore", "--noinput", str(made_backup))
    assert default_storage.open("evidence/2026/06/plan.pdf").read() == b"%PDF-1.7 plan"


def test_a_damaged_database_dump_is_refused(made_backup):
    dump = next(path for path in made_backup.iterdir() if path.name.startswith("database."))
    with dump.open("ab") as handle:
        handle.write(b"\0")
    with pytest.raises(CommandError, match="does not match its checksum in the manifest: the backup is damaged"):
        call_command("restore", "--noinput", str(made_backup))


def test_a_backup_from_a_newer_version_is_refused(made_backup):
    manifest_path = made_backup / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["migrations"]["intake"] = ["9999_from_the_future"]
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(CommandError, match=r"migrations this code does not have \(intake\.9999_from_the_future\)"):
        call_command("restore", "--noinput", str(made_backup))


def test_a_manifest_naming_a_file_outside_the_backup_is_refused(made_backup):
    manifest_path = made_backup / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["files"][0]["name"] = "../../../etc/passwd"
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(CommandError, match="it points outside the backup"):
        call_command("restore", "--noinput", str(made_backup))


def test_restore_asks_before_replacing_the_database(made_backup, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda question: "no")
    with pytest.raises(CommandError, match=r"Restore cancelled: nothing was changed\."):
        call_command("restore", str(made_backup))
