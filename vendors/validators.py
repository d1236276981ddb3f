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


# Content no evidence file may have, whatever its extension says: programs (Windows, ELF,
# Mach-O) and markup a browser would run (HTML, SVG, XML), which could pose as a .pdf or .txt.
PROGRAM_HEADS = (b"\x7fELF", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe")
MARKUP_HEADS = (b"<!doctype", b"<html", b"<head", b"<body", b"<script", b"<svg", b"<?xml", b"<iframe")


def _new_upload_head(file, size: int = 512) -> bytes | None:
    """The first bytes of a file being uploaded now; None for a file already stored (not re-read)."""
    if getattr(file, "_committed", False):
        return None
    handle = getattr(file, "file", file)
    try:
        handle.seek(0)
        head = handle.read(size)
        handle.seek(0)
    except (AttributeError, OSError, ValueError):
        return None
    return head if isinstance(head, bytes) else None


def _is_dangerous(head: bytes) -> bool:
    # "MZ" with a NUL byte soon after is a Windows program; a text starting "MZ" has no NUL.
    if head.startswith(PROGRAM_HEADS) or (head.startswith(b"MZ") and b"\x00" in head[:64]):
        return True
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").lower().startswith(MARKUP_HEADS)


def validate_evidence_file(file) -> None:
    """At most 10 MB, only document or image types reviewers can open safely, and never a program
    or a web page under another name."""
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
    head = _new_upload_head(file)
    if head is not None and _is_dangerous(head):
        raise ValidationError(
            "The file's content is a program or a web page, not a .%(extension)s file; upload the document itself.",
            code="dangerous_content",
            params={"extension": extension},
        )
