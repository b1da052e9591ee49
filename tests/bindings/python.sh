#!/usr/bin/env bash
# The Python binding as a user gets it: `pip install ./bindings/python` in a fresh virtualenv
# (the build step takes the library from `cargo build --release --workspace --lib`, a no-op
# after the release build), mypy --strict over the installed package, then the pytest suite
# against a real licensekit-server (target/release/licensekit-server, or $LK_SERVER_BIN).
# Prints the bench: lines (feature_enabled beside C, import time).
#
#   tests/bindings/python.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
work="$(mktemp -d "${TMPDIR:-/tmp}/lk-python.XXXXXX")"
trap 'rm -rf "$work"' EXIT
unset LICENSEKIT_LIBRARY
python3 -m venv "$work/venv"
# pytest and mypy from PyPI; the package itself from the tree.
"$work/venv/bin/pip" install -q --disable-pip-version-check ./bindings/python pytest mypy
rm -rf bindings/python/build bindings/python/src/licensekit.egg-info
installed="$("$work/venv/bin/python" -c 'import licensekit, os; print(os.path.dirname(licensekit.__file__))')"
[[ -f "$installed/liblicensekit.so" ]] || { echo "the wheel carries no liblicensekit.so" >&2; exit 1; }
echo "installed: $installed"
(cd "$work" && "$work/venv/bin/mypy" --strict --no-error-summary -p licensekit && echo "mypy --strict: clean")
cd bindings/python
XDG_DATA_HOME="$work/xdg" "$work/venv/bin/python" -m pytest -p no:cacheprovider -s -q tests
