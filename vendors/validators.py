"""Checks on uploaded evidence (certificates, assessment attachments).

They run as model-field validators, so the admin and any model form show a
field error instead of failing with a server error.
"""

import math
from pathlib import PurePath

from django.core.exceptions import ValidationError

MAX_EVIDENCE_MB = 10
MAX_EVIDENCE_BYTES = MAX_EVIDENCE_MB * 1024 * 1024
EVIDENCE_EXTENSIONS = ("pdf", "png", "jpg", "jpeg", "docx", "xlsx", "txt")


def validate_evidence_file(file) -> None:
    """At most 10 MB, and only document or image types reviewers can open safely."""
    extension = PurePath(file.name or "").suffix.lower().lstrip(".")
    if extension not in EVIDENCE_EXTENSIONS:
        raise ValidationError(
            "%(kind)s are not accepted as evidence; upload one of: %(allowed)s.",
            code="invalid_extension",
            params={
                "kind": f".{extension} files" if extension else "Files without an extension",
                "allowed": ", ".join(EVIDENCE_EXTENSIONS),
            },
        )
    if file.size is not None and file.size > MAX_EVIDENCE_BYTES:
        # Round up so a file just over the limit never reads as exactly the limit.
        size_mb = math.ceil(file.size / (1024 * 1024) * 10) / 10
        raise ValidationError(
            "The file is %(size)s MB; evidence files may be at most %(limit)s MB.",
            code="file_too_large",
            params={"size": size_mb, "limit": MAX_EVIDENCE_MB},
        )
