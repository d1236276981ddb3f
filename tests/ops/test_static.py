"""Static files served by the web process itself (WhiteNoise): hashed names, cached for a year, compressed."""

import gzip

import brotli
import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.templatetags.static import static

PROJECT_STATIC = django_settings.BASE_DIR / "static"


@pytest.fixture
def collected(settings, tmp_path):
    """What STATIC_FILES_COLLECTED=true sets up after `collectstatic` (make up, a deployment)."""
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
    settings.WHITENOISE_AUTOREFRESH = False
    # Only the project's own static directory: every app's files (API docs bundles among them) would
    # take a minute to compress, and prove nothing more.
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    call_command("collectstatic", interactive=False, verbosity=0)
    return settings.STATIC_ROOT


def test_a_collected_file_is_served_under_its_hashed_name_and_cached_for_a_year(collected, client):
    url = static("css/stagegate.css")
    assert url.startswith("/static/css/stagegate.") and url.endswith(".css") and url != "/static/css/stagegate.css"

    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    assert "immutable" in response["Cache-Control"]
    assert int(response["Cache-Control"].split("max-age=")[1].split(",")[0]) >= 365 * 24 * 3600
    assert b"".join(response.streaming_content) == (PROJECT_STATIC / "css" / "stagegate.css").read_bytes()


@pytest.mark.parametrize(("encoding", "decompress"), [("br", brotli.decompress), ("gzip", gzip.decompress)])
def test_a_browser_that_accepts_compression_gets_the_compressed_copy(collected, client, encoding, decompress):
    response = client.get(static("js/pack_status.js"), headers={"Accept-Encoding": encoding})
    assert response.status_code == 200
    assert response["Content-Encoding"] == encoding
    assert decompress(b"".join(response.streaming_content)) == (PROJECT_STATIC / "js" / "pack_status.js").read_bytes()


@pytest.mark.django_db
def test_pages_link_the_hashed_names(collected, client):
    page = client.get("/accounts/login/").content.decode()
    assert static("css/stagegate.css") in page and 'href="/static/css/stagegate.css"' not in page


@pytest.mark.django_db
def test_without_collectstatic_pages_still_render_with_plain_names(client):
    # The tests and `make run` never collect: the plain storage names files as they are.
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    assert "/static/css/stagegate.css" in page.content.decode()
