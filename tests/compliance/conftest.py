"""Framework files and high-risk use cases for the compliance tests, on top of tests/conftest.py."""

import copy
import json
from pathlib import Path

import pytest

FRAMEWORKS = Path(__file__).resolve().parents[2] / "compliance" / "frameworks"


def framework_file(name: str) -> dict:
    return json.loads((FRAMEWORKS / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture
def eu_file():
    """The shipped EU AI Act file as data, to change and load again."""
    return copy.deepcopy(framework_file("eu-ai-act"))


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
