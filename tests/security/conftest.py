"""Security tests: lockouts, headers, settings, uploads. Throttle counters and lockout
records start clean in every test; uploads go to a temporary media root."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


STUB_PDF = b"%PDF-1.7\n% stub\n%%EOF\n"


@pytest.fixture
def ready_pack(db, _media_root):
    """A board pack whose PDF is ready to download."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from reports.models import BoardPack

    today = timezone.localdate()
    pack = BoardPack.objects.create(audience="executive_monthly", period_start=today.replace(day=1),
                                    period_end=today, status="ready")
    pack.file.save(pack.download_name, ContentFile(STUB_PDF))
    return pack
