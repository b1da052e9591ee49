"""The Status enum and exception classes match the header, and the package refuses a native
library of another version."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import licensekit
import licensekit._status

HERE = Path(__file__).resolve().parent
TREE = HERE.parents[2]


def load_generator():
    spec = importlib.util.spec_from_file_location("generate_status", HERE.parent / "tools" / "generate_status.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_status_module_is_generated_from_the_header() -> None:
    generated = load_generator().render((TREE / "include" / "licensekit.h").read_text(encoding="utf-8"))
    assert (HERE.parent / "src" / "licensekit" / "_status.py").read_text(encoding="utf-8") == generated
    assert Path(licensekit._status.__file__).read_text(encoding="utf-8") == generated


def test_every_status_has_its_exception() -> None:
    header = (TREE / "include" / "licensekit.h").read_text(encoding="utf-8")
    names = [name for name, _, _ in load_generator().statuses(header)]
    assert [s.name for s in licensekit.Status] == names
    assert len(names) > 50
    assert set(licensekit.ERRORS) == set(licensekit.Status) - {licensekit.Status.OK}
    assert licensekit.ERRORS[licensekit.Status.NOT_ACTIVATED] is licensekit.NotActivated
    assert licensekit.ERRORS[licensekit.Status.ACTIVATION_LIMIT] is licensekit.ActivationLimit
    assert licensekit.ERRORS[licensekit.Status.NETWORK] is licensekit.NetworkError
    assert all(issubclass(cls, licensekit.LicenseError) for cls in licensekit.ERRORS.values())
    assert licensekit.NotActivated.__module__ == "licensekit"


def test_the_carried_library_is_loaded() -> None:
    assert "LICENSEKIT_LIBRARY" not in os.environ
    assert licensekit.library_path().parent == Path(licensekit.__file__).parent
    assert licensekit.library_version() == licensekit.__version__


def run_import(env_changes: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **env_changes}
    return subprocess.run([sys.executable, "-c", "import licensekit"], env=env, cwd=cwd, capture_output=True, text=True)


def test_a_library_of_another_version_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "licensekit"
    shutil.copytree(Path(licensekit.__file__).parent, copy)
    (copy / "_version.py").write_text('__version__ = "9.8.7"\n', encoding="utf-8")
    result = run_import({"PYTHONPATH": str(tmp_path)}, tmp_path)
    assert result.returncode == 1
    assert "licensekit.LibraryMismatch" in result.stderr or "LibraryMismatch" in result.stderr
    assert f"is version {licensekit.__version__}, but this package was built for 9.8.7" in result.stderr


def test_a_missing_library_is_explained(tmp_path: Path) -> None:
    result = run_import({"LICENSEKIT_LIBRARY": str(tmp_path / "nowhere.so")}, tmp_path)
    assert result.returncode == 1
    assert "cannot load the native library" in result.stderr and "nowhere.so" in result.stderr
