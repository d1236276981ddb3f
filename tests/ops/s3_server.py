"""A real S3 API for the tests: moto's standalone server on a loopback port, started once per test
process, and a fixture that points Django's default storage at a fresh bucket on it.

Use them by importing both fixtures into a test module:
``from tests.ops.s3_server import s3_bucket_fixture, s3_server_fixture  # noqa: F401``.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

from config.settings.env import env_storage

MOTO_SERVER = Path(sys.executable).with_name("moto_server")
REGION = "us-east-1"
# moto accepts any credentials; these keep boto3 from looking for real ones on this machine.
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "stagegate-test", "AWS_SECRET_ACCESS_KEY": "stagegate-test-secret"}
START_TIMEOUT = 20.0


@dataclass(frozen=True)
class S3Server:
    endpoint: str

    def client(self):
        return boto3.client("s3", endpoint_url=self.endpoint, region_name=REGION,
                            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"])


@dataclass(frozen=True)
class S3Bucket:
    server: S3Server
    name: str
    url: str  # the STORAGE_URL that selects it

    def keys(self) -> list[str]:
        listed = self.server.client().list_objects_v2(Bucket=self.name)
        return sorted(item["Key"] for item in listed.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.server.client().get_object(Bucket=self.name, Key=key)["Body"].read()

    def object_url(self, key: str) -> str:
        return f"{self.server.endpoint}/{self.name}/{key}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(endpoint: str) -> bool:
    try:
        urllib.request.urlopen(endpoint, timeout=1).close()  # noqa: S310 - our own loopback server
    except urllib.error.HTTPError:
        return True  # any HTTP answer means it is up
    except OSError:
        return False
    return True


@pytest.fixture(scope="session", name="s3_server")
def s3_server_fixture() -> Iterator[S3Server]:
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(  # noqa: S603 - a fixed program from this virtualenv
        [str(MOTO_SERVER), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _answers(endpoint):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"moto_server did not start on {endpoint} (exit code {process.poll()})")
            time.sleep(0.1)
        yield S3Server(endpoint)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(name="s3_bucket")
def s3_bucket_fixture(s3_server, settings, monkeypatch) -> Iterator[S3Bucket]:
    """Django's default storage (and so every FileField) on a fresh, empty bucket, selected the way a
    deployment selects it: STORAGE_URL and the AWS credential variables."""
    name = f"stagegate-{uuid.uuid4().hex[:12]}"
    s3_server.client().create_bucket(Bucket=name)
    for variable, value in CREDENTIALS.items():
        monkeypatch.setenv(variable, value)
    url = f"s3://{name}?endpoint_url={s3_server.endpoint}&region={REGION}"
    monkeypatch.setenv("STORAGE_URL", url)
    settings.STORAGES = {**settings.STORAGES, "default": env_storage("STORAGE_URL")}
    yield S3Bucket(s3_server, name, url)
    with contextlib.suppress(Exception):  # the server may already be gone at the end of the session
        bucket = boto3.resource("s3", endpoint_url=s3_server.endpoint, region_name=REGION,
                                aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
                                aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"]).Bucket(name)
        bucket.objects.all().delete()
        bucket.delete()
