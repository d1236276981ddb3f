"""Factories and upload builders for the review tests."""

import datetime
import io
import zipfile

import factory
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from reviews import services
from reviews.models import Comment, Review, ReviewCondition, Risk
from tests.factories import KPIFactory, UseCaseFactory, UserFactory


def reviewer(function: str, username: str | None = None, **kwargs):
    """A staff member of the org group of a review function."""
    if username:
        kwargs["username"] = username
    user = UserFactory(is_staff=True, **kwargs)
    user.groups.add(Group.objects.get(name=function))
    return user


def submitted_use_case(*, created_by, business_unit, **answers):
    """A use case submitted through the review workflow (reviews opened)."""
    use_case = UseCaseFactory(created_by=created_by, business_unit=business_unit, **answers)
    KPIFactory(use_case=use_case)
    return services.use_case_submit(use_case=use_case, actor=created_by)


class ReviewFactory(factory.django.DjangoModelFactory):
    """A bare review row; most tests open reviews through the services instead."""

    class Meta:
        model = Review

    use_case = factory.SubFactory(UseCaseFactory)
    function = "security"
    stage = "exploration"
    due_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=5))


class ConditionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewCondition

    review = factory.SubFactory(ReviewFactory)
    text = factory.Sequence(lambda n: f"Condition {n}: add a monitoring dashboard")
    owner = factory.SubFactory(UserFactory)
    due_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    use_case = factory.SubFactory(UseCaseFactory)
    author = factory.SubFactory(UserFactory)
    body = factory.Sequence(lambda n: f"Comment {n}: please clarify the retention period.")


class RiskFactory(factory.django.DjangoModelFactory):
    """A register entry; the service (risk_save) is tested on its own, pages only need rows."""

    class Meta:
        model = Risk

    use_case = factory.SubFactory(UseCaseFactory)
    area = "data_privacy"
    description = factory.Sequence(lambda n: f"Risk {n}: chat transcripts kept longer than needed")
    likelihood = 3
    impact = 4
    owner = factory.SubFactory(UserFactory)
    controls = "Retention job deletes transcripts after 30 days."
    mitigation_status = "mitigating"
    escalation_threshold = 15


# -- uploads ---------------------------------------------------------------

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program cannot"


def ooxml(part: str) -> bytes:
    """A minimal Office Open XML package holding ``part`` (word/document.xml, xl/workbook.xml)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr(part, "<document/>")
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)
