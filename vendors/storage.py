"""Where vendor evidence is stored, and the only URL it is reachable by.

Settings give MEDIA_URL no value on purpose (evidence is never served by the
web server), so a plain FileSystemStorage cannot make a URL and the admin
would fail showing a file. This storage keeps files under MEDIA_ROOT as usual
and points every URL at the permission-checked admin download view.
"""

from django.core.files.storage import FileSystemStorage
from django.urls import reverse


class EvidenceStorage(FileSystemStorage):
    def url(self, name: str | None) -> str:
        return reverse("admin:vendors_evidence_download", args=[name])


def evidence_storage() -> EvidenceStorage:
    # A callable keeps the storage out of migrations (they record this function, not its settings).
    return EvidenceStorage()
