"""How every stored file leaves the server: as a download, never rendered.

Evidence uploads, vendor evidence and board-pack PDFs all go out through
``attachment``, so the pages, the admin and the API send the same headers
(why: docs/decisions/download-helper.md).
"""

from __future__ import annotations

from django.core.files import File
from django.http import FileResponse, Http404

SANDBOX = "default-src 'none'; sandbox"


def attachment(file: File, *, filename: str, content_type: str = "application/octet-stream",
               missing: str = "The file is missing from storage.") -> FileResponse:
    """``file`` as an attachment named ``filename``; 404 saying ``missing`` when storage no longer has it."""
    try:
        handle = file.open("rb")
    except FileNotFoundError:
        raise Http404(missing) from None
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX  # the site policy middleware leaves it in place
    response["Cache-Control"] = "private, no-store"
    return response
