"""Backups of the database and the file store, and their restore (``manage.py backup`` / ``restore``).

A backup is one directory, ``<into>/<UTC timestamp>/``:

- ``database.dump`` (PostgreSQL: ``pg_dump --format=custom``) or ``database.sqlite3`` (SQLite: a
  consistent copy made with SQLite's online backup API);
- ``files/<name>``: every file of the default storage (uploads, vendor evidence, board packs and
  dossiers), read through the storage API, so a bucket is backed up as well as a local disk;
- ``manifest.json``, written last: when it was made, by which version, the database vendor, the
  migrations the database had reached, and the size and SHA-256 of the dump and of every file.

A restore checks the whole backup against its manifest before it changes anything.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import posixpath
import shutil
import sqlite3
import subprocess  # nosec B404
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

MANIFEST = "manifest.json"
FORMAT = 1
FILES = "files"
DUMPS = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
CHUNK = 1 << 20


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why, for the operator."""


@dataclass(frozen=True)
class BackupDone:
    directory: Path
    vendor: str
    files: int
    bytes: int


@dataclass(frozen=True)
class RestoreDone:
    vendor: str
    database: str
    created_at: str
    files_written: int
    files_replaced: int
    unapplied_migrations: int


# ------------------------------------------------------------------------------------------ backup


def backup(into: Path) -> BackupDone:
    """Back up the default database and the default storage into a new ``into/<UTC timestamp>/``."""
    vendor, heads = _vendor(), _migration_heads()
    created = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    target = Path(into) / created.strftime("%Y%m%dT%H%M%SZ")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.mkdir(mode=0o700)  # the dump holds password hashes and tokens: for the operator only
    except FileExistsError:
        raise BackupError(f"{target} already exists: wait a second and run the backup again.") from None
    dump = target / DUMPS[vendor]
    _dump_database(vendor, dump)
    # After the dump: every file it refers to is copied, unless deleted meanwhile (a replaced board pack).
    files = list(_copy_out(default_storage, target / FILES))
    manifest = {
        "format": FORMAT,
        "created_at": created.isoformat().replace("+00:00", "Z"),
        "app": {"name": "stagegate", "version": _version()},
        "database": {"vendor": vendor, "file": dump.name, **_digest(dump)},
        "migrations": heads,
        "storage": {"backend": settings.STORAGES["default"]["BACKEND"]},
        "file_count": len(files),
        "files": files,
    }
    # Written last and renamed into place: a directory without a manifest is an unfinished backup.
    partial = target / f"{MANIFEST}.partial"
    partial.write_text(json.dumps(manifest, indent=2) + "\n")
    partial.replace(target / MANIFEST)
    return BackupDone(target, vendor, len(files), sum(entry["size"] for entry in files))


def _vendor() -> str:
    vendor = connections[DEFAULT_DB_ALIAS].vendor
    if vendor not in DUMPS:
        raise BackupError(f"Backups support PostgreSQL and SQLite; the database is {vendor}.")
    return vendor


def _dump_database(vendor: str, dump: Path) -> None:
    if vendor == "sqlite":
        _sqlite_copy(Path(_db_settings()["NAME"]), dump)
        return
    db = _db_settings()
    _run(["pg_dump", "--format=custom", f"--file={dump}", *_pg_connection(db)], db, "pg_dump")


def _copy_out(storage: Storage, into: Path) -> Iterator[dict[str, Any]]:
    for name in sorted(stored_names(storage)):
        target = _inside(into, name)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with storage.open(name, "rb") as source, target.open("wb") as copy:
                digest, size = _stream(source, copy)
        except FileNotFoundError:  # deleted since it was listed: the site is running
            target.unlink(missing_ok=True)
            continue
        yield {"name": name, "size": size, "sha256": digest}


def stored_names(storage: Storage, directory: str = "") -> Iterator[str]:
    """Every file name in ``storage`` under ``directory``, through the storage API (a disk or a bucket)."""
    try:
        directories, files = storage.listdir(directory)
    except FileNotFoundError:  # a local storage whose root does not exist yet holds nothing
        return
    for name in files:
        yield posixpath.join(directory, name) if directory else name
    for sub in directories:
        yield from stored_names(storage, posixpath.join(directory, sub) if directory else sub)


def _migration_heads() -> dict[str, list[str]]:
    """Per app, the applied migrations no other applied migration of the app builds on."""
    connection = connections[DEFAULT_DB_ALIAS]
    graph = MigrationLoader(connection, ignore_no_migrations=True).graph
    applied = {key for key in MigrationRecorder(connection).applied_migrations() if key in graph.nodes}
    heads: dict[str, list[str]] = {}
    for app, name in sorted(applied):
        children = graph.node_map[(app, name)].children
        if not any(child[0] == app and child in applied for child in children):
            heads.setdefault(app, []).append(name)
    return heads


def _version() -> str:
    try:
        with (Path(settings.BASE_DIR) / "pyproject.toml").open("rb") as project:
            return str(tomllib.load(project)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


# ----------------------------------------------------------------------------------------- restore


def read_manifest(source: Path) -> dict[str, Any]:
    path = Path(source) / MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError:
        raise BackupError(f"{path} is missing: {source} is not a finished backup.") from None
    except (OSError, ValueError) as exc:
        raise BackupError(f"{path} cannot be read: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not a backup manifest this version reads (format {FORMAT}).")
    return manifest


def verify(source: Path, manifest: dict[str, Any]) -> None:
    """Every file the manifest names is there with its size and SHA-256; else BackupError naming it."""
    try:
        database = manifest["database"]
        entries = [(Path(source) / database["file"], database)]
        entries += [(_inside(Path(source) / FILES, entry["name"]), entry) for entry in manifest["files"]]
        if len(manifest["files"]) != manifest["file_count"]:
            raise BackupError("The manifest's file count does not match its list of files.")
    except (KeyError, TypeError):
        raise BackupError("The manifest is incomplete: it lacks the database or the file list.") from None
    for path, expected in entries:
        try:
            actual = _digest(path)
        except OSError:
            raise BackupError(f"{path} is missing from the backup.") from None
        if actual != {"size": expected.get("size"), "sha256": expected.get("sha256")}:
            raise BackupError(f"{path} does not match its checksum in the manifest: the backup is damaged.")


def restore(source: Path, *, confirm: Callable[[dict[str, Any]], bool] | None = None) -> RestoreDone:
    """Replace the default database with the backup's and write its files back through the storage API.

    Nothing is changed unless the whole backup matches its manifest, was made from the same database
    vendor, names no migration this code lacks (a backup from a newer version), and ``confirm`` (when
    given) answers True once all that is checked."""
    manifest = read_manifest(source)
    verify(source, manifest)
    vendor = _vendor()
    if manifest["database"]["vendor"] != vendor:
        raise BackupError(f"The backup holds a {manifest['database']['vendor']} database; "
                          f"the configured database is {vendor}.")
    _refuse_unknown_migrations(manifest)
    if confirm is not None and not confirm(manifest):
        raise BackupError("Restore cancelled: nothing was changed.")
    db = _db_settings()
    connections.close_all()  # our own connection would hold locks on the tables being replaced
    dump = Path(source) / manifest["database"]["file"]
    if vendor == "sqlite":
        _sqlite_copy(dump, Path(db["NAME"]))
    else:
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
              "--exit-on-error", *_pg_connection(db), str(dump)], db, "pg_restore")
    written = replaced = 0
    for entry in manifest["files"]:
        replaced += _write_back(default_storage, entry["name"], _inside(Path(source) / FILES, entry["name"]))
        written += 1
    return RestoreDone(vendor, str(db["NAME"]), manifest.get("created_at", "?"), written, replaced,
                       _unapplied_migrations())


def _refuse_unknown_migrations(manifest: dict[str, Any]) -> None:
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    unknown = [f"{app}.{name}" for app, names in manifest.get("migrations", {}).items() for name in names
               if (app, name) not in graph.nodes]
    if unknown:
        version = manifest.get("app", {}).get("version", "?")
        raise BackupError(f"The backup's database has migrations this code does not have ({', '.join(unknown)}): "
                          f"restore it with the version that made it ({version}) or a newer one.")


def _write_back(storage: Storage, name: str, path: Path) -> bool:
    """Store ``path`` under exactly ``name`` (the database refers to it); True when it replaced a file."""
    existed = storage.exists(name)
    if existed:
        storage.delete(name)  # the storage never overwrites: make room for the backed-up file
    with path.open("rb") as content:
        saved = storage.save(name, File(content, name=name))
    if saved != name:
        raise BackupError(f"Storage kept {name} as {saved}; the database refers to {name}.")
    return existed


def _unapplied_migrations() -> int:
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


# ----------------------------------------------------------------------------------------- helpers


def _db_settings() -> dict[str, Any]:
    # The connection's settings, not settings.DATABASES: under the tests it names the test database.
    return connections[DEFAULT_DB_ALIAS].settings_dict


def _pg_connection(db: dict[str, Any]) -> list[str]:
    """pg_dump/pg_restore connection options; the password goes in the environment (_pg_env), never here."""
    options = [f"--dbname={db['NAME']}"]
    if db.get("HOST"):
        options.append(f"--host={db['HOST']}")
    if db.get("PORT"):
        options.append(f"--port={db['PORT']}")
    if db.get("USER"):
        options.append(f"--username={db['USER']}")
    return options


def _pg_env(db: dict[str, Any]) -> dict[str, str]:
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    for option, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT"),
                             ("sslcert", "PGSSLCERT"), ("sslkey", "PGSSLKEY")):
        if db.get("OPTIONS", {}).get(option):
            env[variable] = str(db["OPTIONS"][option])
    return env


def _run(command: list[str], db: dict[str, Any], tool: str) -> None:
    if shutil.which(tool) is None:
        raise BackupError(f"{tool} is not installed: install the PostgreSQL client tools (the server's version).")
    # A fixed tool and options from settings, as a list (no shell); the password only in the environment.
    done = subprocess.run(command, env=_pg_env(db), capture_output=True, text=True, check=False)  # noqa: S603 # nosec B603
    if done.returncode != 0:
        raise BackupError(f"{tool} failed (exit code {done.returncode}): {done.stderr.strip()[-2000:]}")


def _sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (WAL included), page by page, over whatever ``target`` held."""
    if not source.exists():
        raise BackupError(f"The SQLite database {source} does not exist.")
    target.parent.mkdir(parents=True, exist_ok=True)
    origin, copy = sqlite3.connect(source), sqlite3.connect(target)
    try:
        origin.backup(copy)
    finally:
        origin.close()
        copy.close()


def _inside(root: Path, name: str) -> Path:
    """``root / name``, refused when the name would step outside ``root`` (a tampered manifest)."""
    path = (root / name).resolve()
    if not name or posixpath.isabs(name) or not path.is_relative_to(root.resolve()):
        raise BackupError(f"Refusing the file name {name!r}: it points outside the backup.")
    return path


def _stream(source: BinaryIO, copy: BinaryIO) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        copy.write(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _digest(path: Path) -> dict[str, Any]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return {"size": size, "sha256": digest.hexdigest()}
