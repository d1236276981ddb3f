"""Rendering a board pack to PDF with WeasyPrint, with no way to reach the network.

WeasyPrint fetches whatever a document points at: stylesheets, images, fonts.
User text is escaped in the templates, but the fetcher is the second wall: it
serves files from the project's own static directories under one made-up
origin (``.invalid`` never resolves) and refuses every other URL, scheme and
path, so nothing in a pack can make the server open a connection or read a
file outside the static tree.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.apps import apps
from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from . import charts

ORIGIN = "https://stagegate.invalid"
STATIC_PREFIX = "/static/"
BASE_URL = f"{ORIGIN}{STATIC_PREFIX}"
TEMPLATE = "reports/pdf/board_pack.html"


def static_roots() -> list[Path]:
    """The project's static directories (STATICFILES_DIRS) and each installed app's static/ folder."""
    roots = []
    for entry in settings.STATICFILES_DIRS:
        roots.append(Path(entry[1] if isinstance(entry, list | tuple) else entry))
    roots += [Path(app.path) / "static" for app in apps.get_app_configs()]
    return [root.resolve() for root in roots if root.is_dir()]


def static_file(url: str) -> Path:
    """The static file ``url`` names under BASE_URL; ValueError for anything else."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != ORIGIN or not parts.path.startswith(STATIC_PREFIX):
        raise ValueError(f"The PDF renderer fetches only Stagegate's own static files, not {url!r}.")
    relative = unquote(parts.path[len(STATIC_PREFIX):])
    segments = relative.split("/")
    if not relative or "\\" in relative or "\x00" in relative or any(s in ("", ".", "..") for s in segments):
        raise ValueError(f"Refusing static path {relative!r}.")
    for root in static_roots():
        candidate = (root / relative).resolve()
        # resolve() follows symlinks: the file must still be inside the root it was asked of.
        if candidate.is_relative_to(root) and candidate.is_file():
            return candidate
    raise ValueError(f"No static file {relative!r}.")


class StaticOnlyFetcher(URLFetcher):
    """A WeasyPrint fetcher that serves static files and opens no connection, ever."""

    def __init__(self) -> None:
        super().__init__(timeout=1, allowed_protocols=("https",), allow_redirects=False)

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        path = static_file(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": content_type})

    def open(self, url, data=None, timeout=None):  # the urllib entry point: never used, never allowed
        raise ValueError("The PDF renderer opens no URLs.")


def render_pdf(html: str) -> bytes:
    return HTML(string=html, base_url=BASE_URL, url_fetcher=StaticOnlyFetcher()).write_pdf()


def board_pack_context(data: dict[str, Any]) -> dict[str, Any]:
    sections = [{**s, "template": f"reports/pdf/sections/{s['key']}.html"} for s in data["sections"]]
    drawn = charts.all_charts(portfolio=data.get("portfolio"), risks=data.get("risks"),
                              resourcing=data.get("resourcing"))
    return {**data, "sections": sections, "charts": drawn}


def render_board_pack(data: dict[str, Any]) -> bytes:
    """The pack's PDF from ``reports.selectors.board_pack_data``."""
    return render_pdf(render_to_string(TEMPLATE, board_pack_context(data)))
