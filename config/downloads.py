"""How every stored file leaves the server: as a download, never rendered.

Evidence uploads, vendor evidence and board-pack PDFs all go out through
``attachment``, so the pages, the admin and the API send the same headers
(why: docs/decisions/download-helper.md). The file is read through the storage
API and streamed by the view, from the local disk or a private bucket alike
(docs/decisions/object-storage.md).
"""

from __future__ import annotations

import logging

from botocore.exceptions import BotoCoreError, ClientError
from django.core.files import File
from django.http import FileResponse, Http404, HttpResponse

SANDBOX = "default-src 'none'; sandbox"
# What a bucket answers for a name it does not hold, given s3:ListBucket (without it S3 answers 403, which
# cannot be told from a refused key: 503, docs/operations.md).
S3_MISSING = {"404", "NoSuchKey", "NotFound"}

logger = logging.getLogger(__name__)


def attachment(file: File, *, filename: str, content_type: str = "application/octet-stream",
               missing: str = "The file is missing from storage.") -> FileResponse | HttpResponse:
    """``file`` as an attachment named ``filename``; 404 saying ``missing`` when storage no longer has it,
    503 when the storage cannot be reached (a disk or bucket error: try again, nothing is lost)."""
    try:
        handle = file.open("rb")
    except FileNotFoundError:  # what every storage raises, S3Storage included, for a name it does not hold
        raise Http404(missing) from None
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in S3_MISSING:
            raise Http404(missing) from None
        return _unavailable(exc)
    except (BotoCoreError, OSError) as exc:
        return _unavailable(exc)
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX  # the site policy middleware leaves it in place
    response["Cache-Control"] = "private, no-store"
    return response


def _unavailable(exc: Exception) -> HttpResponse:
    logger.warning("File storage unavailable for a download: %s", type(exc).__name__)
    return HttpResponse("The file store cannot be reached just now; try again in a minute.", status=503,
                        content_type="text/plain; charset=utf-8", headers={"Retry-After": "30"})
