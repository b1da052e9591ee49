"""The binding's figures (issue 13): one feature_enabled call through the binding beside the
same call from C on the same store in the same run, and the time ``import licensekit`` takes
(loading the native library and checking it). Printed as ``bench: NAME VALUE`` lines."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import licensekit

from conftest import TREE, Server

CALLS = 200_000


def test_feature_enabled_beside_c(server: Server, store: Path, tmp_path: Path) -> None:
    program = tmp_path / "feature_check"
    # The same library the package loads, under the SONAME the program will ask for.
    (tmp_path / "liblicensekit.so.0").symlink_to(licensekit.library_path())
    subprocess.run(
        ["cc", "-std=c99", "-O2", "-D_POSIX_C_SOURCE=199309L", f"-I{TREE / 'include'}",
         str(TREE / "tests" / "bench" / "feature_check.c"), str(licensekit.library_path()), "-o", str(program),
         f"-Wl,-rpath,{tmp_path}"],
        check=True,
    )
    with licensekit.Client(server.product, public_keys=[server.public_key], server_url=server.url, store_dir=store) as client:
        client.activate(server.license_code)
        check = client.feature_enabled
        started = time.perf_counter()
        for _ in range(CALLS):
            check("EXPORT")
        python_ns = (time.perf_counter() - started) / CALLS * 1e9
        assert check("EXPORT")
        c_out = subprocess.run(
            [str(program), server.product, server.public_key, str(store), "EXPORT", str(CALLS * 5)],
            check=True, capture_output=True, text=True,
        ).stdout
        client.deactivate()
    c_ns = float(c_out.split()[1])
    assert 0 < c_ns < python_ns
    print(f"\nbench: python_feature_enabled_ns {python_ns:.0f}")
    print(f"bench: c_feature_enabled_ns {c_ns:.1f}")
    print(f"bench: python_over_c {python_ns / c_ns:.0f}x")


def test_import_time() -> None:
    def best_of(code: str) -> float:
        times = []
        for _ in range(5):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
            times.append(time.perf_counter() - started)
        return min(times)

    bare = best_of("pass")
    with_import = best_of("import licensekit")
    print(f"\nbench: python_import_licensekit_ms {(with_import - bare) * 1e3:.1f} (interpreter start {bare * 1e3:.0f} ms)")
    assert with_import > bare
