"""Where vendor evidence is stored, and the only URL it is reachable by.

Settings give MEDIA_URL no value on purpose (evidence is never served by the
web server), so the configured storage cannot make a usable URL and the admin
would fail showing a file (or, on object storage, link a signed URL that skips
the permission check). This storage keeps files wherever STORAGES["default"]
keeps every other upload (the local disk or a bucket) and points every URL at
the permission-checked admin download view.
"""

from __future__ import annotations

import datetime
from typing import IO, Any

from django.conf import DEFAULT_STORAGE_ALIAS
from django.core.files.storage import Storage, storages
from django.urls import reverse


class EvidenceStorage(Storage):
    """Every operation goes to the configured default storage, looked up at each call: the model field holds
    this object from import time, and a settings change (a deployment's STORAGE_URL, a test's override)
    must still reach it."""

    @property
    def backend(self) -> Storage:
        return storages[DEFAULT_STORAGE_ALIAS]

    def url(self, name: str | None) -> str:
        return reverse("admin:vendors_evidence_download", args=[name])

    def open(self, name: str, mode: str = "rb") -> Any:
        return self.backend.open(name, mode)

    def save(self, name: str | None, content: IO[Any], max_length: int | None = None) -> str:
        return self.backend.save(name, content, max_length=max_length)

    def get_valid_name(self, name: str) -> str:
        return self.backend.get_valid_name(name)

    def get_alternative_name(self, file_root: str, file_ext: str) -> str:
        return self.backend.get_alternative_name(file_root, file_ext)

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        return self.backend.get_available_name(name, max_length=max_length)

    def generate_filename(self, filename: str) -> str:
        return self.backend.generate_filename(filename)

    def path(self, name: str) -> str:
        return self.backend.path(name)

    def delete(self, name: str) -> None:
        self.backend.delete(name)

    def exists(self, name: str) -> bool:
        return self.backend.exists(name)

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        return self.backend.listdir(path)

    def size(self, name: str) -> int:
        return self.backend.size(name)

    def get_accessed_time(self, name: str) -> datetime.datetime:
        return self.backend.get_accessed_time(name)

    def get_created_time(self, name: str) -> datetime.datetime:
        return self.backend.get_created_time(name)

    def get_modified_time(self, name: str) -> datetime.datetime:
        return self.backend.get_modified_time(name)


def evidence_storage() -> EvidenceStorage:
    # A callable keeps the storage out of migrations (they record this function, not its settings).
    return EvidenceStorage()
