"""A real licensekit-server on loopback for the tests, started by the same script as the C
tests' (scripts/lib/test-server.sh), and a fresh store directory per test.

The server binary is ``$LK_SERVER_BIN``, else ``target/release/licensekit-server`` of the
source tree; the tests import the installed ``licensekit`` package, never the source tree's,
so they test what ``pip install`` gave."""

from __future__ import annotations

import os
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

TREE = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class Server:
    url: str
    public_key: str
    product: str
    license_code: str
    capacity_code: str
    binary: Path
    data_dir: Path


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    binary = Path(os.environ.get("LK_SERVER_BIN", TREE / "target" / "release" / "licensekit-server"))
    if not binary.is_file():
        pytest.fail(f"{binary} is missing: cargo build --release --workspace")
    work = tmp_path_factory.mktemp("server")
    script = '. scripts/lib/test-server.sh && start_test_server "$1" "$2" >&2 && env | grep "^LK_TEST_"'
    out = subprocess.run(
        ["bash", "-c", script, "_", str(binary), str(work)], cwd=TREE, check=True, capture_output=True, text=True
    ).stdout
    env = dict(line.split("=", 1) for line in out.splitlines())
    pid = int(env["LK_TEST_SERVER_PID"])
    try:
        yield Server(
            url=env["LK_TEST_SERVER_URL"],
            public_key=env["LK_TEST_PUBLIC_KEY"],
            product=env["LK_TEST_PRODUCT"],
            license_code=env["LK_TEST_LICENSE_CODE"],
            capacity_code=env["LK_TEST_CAPACITY_CODE"],
            binary=binary,
            data_dir=Path(env["LK_TEST_DATA_DIR"]),
        )
    finally:
        os.kill(pid, signal.SIGTERM)


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "store"
    path.mkdir()
    return path
