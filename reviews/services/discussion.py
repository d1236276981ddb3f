"""Comments and evidence attachments on a use case or one of its reviews."""

from __future__ import annotations

import os
import uuid
import zipfile
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.text import get_valid_filename

from intake import permissions
from intake.models import UseCase
from intake.permissions import Action
from reviews.models import ArtefactType, Comment, Evidence, Review

from .artefacts import clean_artefact, save_metrics
from .workflow import MAX_TEXT, _save

EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
# Accepted evidence by extension, with the content type we store (never the client's claim).
EVIDENCE_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "txt": "text/plain",
}
_MAGIC = {
    "pdf": b"%PDF-",
    "png": b"\x89PNG\r\n\x1a\n",
    "jpg": b"\xff\xd8\xff",
    "jpeg": b"\xff\xd8\xff",
    "docx": b"PK\x03\x04",
    "xlsx": b"PK\x03\x04",
}
# The part an Office Open XML package of that kind must contain.
_OOXML_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}
# Control bytes never found in text files (tab, LF, FF and CR are fine).
_TEXT_CONTROL = frozenset(range(32)) - {9, 10, 12, 13}


def _check_review_of(use_case: UseCase, review: Review | None) -> None:
    if review is not None and review.use_case_id != use_case.pk:
        raise ValidationError({"review": "That review belongs to another use case."})


@transaction.atomic
def comment_add(*, use_case: UseCase, actor: AbstractBaseUser, body: str, review: Review | None = None) -> Comment:
    permissions.require(actor, Action.COMMENT, use_case)
    _check_review_of(use_case, review)
    body = (body or "").strip()
    if not body or len(body) > MAX_TEXT:
        raise ValidationError({"body": f"Write a comment of 1 to {MAX_TEXT} characters."})
    comment = Comment(use_case=use_case, review=review, author=actor, body=body)
    _save(comment, actor)
    return comment


def _file_size(size: int) -> str:
    """Plain-space sizes for messages (filesizeformat uses a non-breaking space)."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{-(-size // 1024)} KB"


def _head(upload: UploadedFile, size: int = 8192) -> bytes:
    upload.seek(0)
    head = upload.read(size)
    upload.seek(0)
    return head


def _is_ooxml(upload: UploadedFile, extension: str) -> bool:
    try:
        with zipfile.ZipFile(upload) as package:
            return _OOXML_PART[extension] in package.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        upload.seek(0)


def _content_matches(upload: UploadedFile, extension: str) -> bool:
    """Sniff the first bytes: the content must be what the extension says."""
    head = _head(upload)
    if extension in _MAGIC:
        if not head.startswith(_MAGIC[extension]):
            return False
        return _is_ooxml(upload, extension) if extension in _OOXML_PART else True
    # csv / txt: text has no control bytes and is not a PDF in disguise.
    return not head.startswith(_MAGIC["pdf"]) and not _TEXT_CONTROL.intersection(head)


def checked_extension(upload: UploadedFile | None) -> str:
    if upload is None or not getattr(upload, "name", ""):
        raise ValidationError({"file": "Choose a file to upload."})
    limit = getattr(settings, "EVIDENCE_MAX_BYTES", EVIDENCE_MAX_BYTES)
    if upload.size > limit:
        raise ValidationError({"file": f"The file is {_file_size(upload.size)}; the limit is {_file_size(limit)}."})
    if upload.size == 0:
        raise ValidationError({"file": "The file is empty."})
    extension = os.path.splitext(upload.name)[1].lower().lstrip(".")
    if extension not in EVIDENCE_TYPES:
        allowed = ", ".join(sorted(EVIDENCE_TYPES))
        raise ValidationError({"file": f"Files of this type are not accepted. Upload one of: {allowed}."})
    if not _content_matches(upload, extension):
        raise ValidationError({"file": f"The file's content is not a .{extension} file; check you picked the "
                                       "right file."})
    return extension


def original_name(name: str, extension: str) -> str:
    base = os.path.basename(name.replace("\\", "/"))
    try:
        cleaned = get_valid_filename(base)
    except SuspiciousFileOperation:
        cleaned = f"evidence.{extension}"
    if len(cleaned) > 200:
        cleaned = f"{cleaned[: 200 - len(extension) - 1]}.{extension}"
    return cleaned


@transaction.atomic
def evidence_add(
    *, use_case: UseCase, actor: AbstractBaseUser, upload: UploadedFile, review: Review | None = None,
    artefact_type: ArtefactType | str | None = None, metrics: Sequence[Mapping[str, Any]] | None = None,
) -> Evidence:
    """Attach a checked file; anyone who may comment may attach. Stored under a generated name.

    ``artefact_type`` (a row or its key) says which required artefact the file is; an evaluation report
    carries ``metrics`` ({name, threshold, result, higher_is_better}). Every problem is refused at its field,
    all at once, and nothing is saved."""
    permissions.require(actor, Action.COMMENT, use_case)
    _check_review_of(use_case, review)
    errors: dict[str, str] = {}
    try:
        extension = checked_extension(upload)
    except ValidationError as exc:
        errors.update({key: " ".join(messages) for key, messages in exc.message_dict.items()})
    artefact_type, metrics = clean_artefact(artefact_type, metrics, errors)
    if errors:
        raise ValidationError(errors)
    evidence = Evidence(use_case=use_case, review=review, uploaded_by=actor, size=upload.size,
                        original_name=original_name(upload.name, extension),
                        content_type=EVIDENCE_TYPES[extension], artefact_type=artefact_type)
    # Never the client's name on disk: no traversal, no clashes, nothing executable.
    evidence.file.save(f"{uuid.uuid4().hex}.{extension}", upload, save=False)
    _save(evidence, actor)
    save_metrics(evidence, metrics, actor)
    return evidence
