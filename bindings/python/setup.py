"""The build step that puts the native library inside the package (everything else is in
pyproject.toml).

Where the library comes from, in this order:

1. ``$LICENSEKIT_LIBRARY``: a ``liblicensekit.so`` built beforehand (CI reuses the one
   ``cargo build --release`` made);
2. otherwise, this directory inside the licensekit source tree: ``cargo build --release
   --workspace --lib`` at the tree's root, and its ``liblicensekit.so`` (``$CARGO_TARGET_DIR``
   honoured).

Either way the library's version must be this package's (``licensekit/_version.py``, itself
checked against Cargo.toml), so a wheel can never carry another library. The wheel is tagged
``py3-none-<platform>``: it holds native code but no Python extension, so one wheel serves
every Python 3 on the platform.
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.bdist_wheel import bdist_wheel
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

HERE = Path(__file__).resolve().parent
TREE = HERE.parents[1]


def package_version() -> str:
    text = (HERE / "src" / "licensekit" / "_version.py").read_text(encoding="utf-8")
    match = re.search(r'__version__ = "([^"]+)"', text)
    assert match, "_version.py defines __version__"
    return match.group(1)


def native_library() -> Path:
    given = os.environ.get("LICENSEKIT_LIBRARY")
    if given:
        return Path(given)
    cargo_toml = TREE / "Cargo.toml"
    if not cargo_toml.is_file():
        raise SystemExit(
            "licensekit: set LICENSEKIT_LIBRARY to a liblicensekit.so, or build from the licensekit source tree"
        )
    crate = re.search(r'\[package\]\s*name = "licensekit"\s*version = "([^"]+)"', cargo_toml.read_text(encoding="utf-8"))
    if not crate or crate.group(1) != package_version():
        raise SystemExit(f"licensekit: Cargo.toml's version is not _version.py's {package_version()}")
    # The whole workspace's feature set (not `-p licensekit` alone, which resolves the
    # dependencies' features differently): after `cargo build --release --workspace` this is
    # a no-op instead of a second link of the library.
    subprocess.run(["cargo", "build", "--release", "--workspace", "--lib"], cwd=TREE, check=True)
    target = Path(os.environ.get("CARGO_TARGET_DIR", TREE / "target"))
    if not target.is_absolute():
        target = TREE / target
    return target / "release" / "liblicensekit.so"


class BuildWithNativeLibrary(build_py):
    """Copies the native library into the package, after checking its version."""

    def run(self) -> None:
        super().run()
        source = native_library()
        lib = ctypes.CDLL(str(source.resolve()))
        lib.lk_version.restype = ctypes.c_char_p
        found = lib.lk_version().decode()
        if found != package_version():
            raise SystemExit(f"licensekit: {source} is version {found}, this package is {package_version()}")
        target = Path(self.build_lib) / "licensekit" / "liblicensekit.so"
        shutil.copyfile(source, target)
        os.chmod(target, 0o755)


class PlatformWheel(bdist_wheel):
    """A wheel for this platform, any Python 3 (ctypes, no extension module)."""

    def finalize_options(self) -> None:
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self) -> tuple[str, str, str]:
        _, _, platform = super().get_tag()
        return "py3", "none", platform


class NativeDistribution(Distribution):
    def has_ext_modules(self) -> bool:
        return True


setup(
    cmdclass={"build_py": BuildWithNativeLibrary, "bdist_wheel": PlatformWheel},
    distclass=NativeDistribution,
)
