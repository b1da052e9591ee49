#!/usr/bin/env bash
# Compiles every C block of the README against include/licensekit.h, so the README's code
# stays true: a block that starts with #include is a whole program, compiled, linked to the
# built library (shared and static) and run far enough to start; any other block is a
# fragment, compiled inside a function that declares what fragments may use (a client, a
# buffer, its `needed`, a certificate text).
#   tests/readme/check.sh LIBDIR     (e.g. target/release)
set -euo pipefail
cd "$(dirname "$0")/../.."
lib=${1:?usage: tests/readme/check.sh LIBDIR}
work="$(mktemp -d "${TMPDIR:-/tmp}/lk-readme.XXXXXX")"
trap 'rm -rf "$work"' EXIT

python3 - "$work" <<'PY'
import pathlib, re, sys
work = pathlib.Path(sys.argv[1])
text = pathlib.Path("README.md").read_text()
blocks = re.findall(r"^```c\n(.*?)^```", text, re.S | re.M)
if not blocks:
    sys.exit("README.md has no C block")
for i, code in enumerate(blocks):
    if code.lstrip().startswith("#include"):
        (work / f"program{i}.c").write_text(code)
    else:
        (work / f"fragment{i}.c").write_text(
            '#include <stdint.h>\n#include "licensekit.h"\n'
            "void fragment(lk_client *client);\n"
            "void fragment(lk_client *client) {\n"
            "    char buf[8192];\n    size_t needed = 0;\n"
            '    const char *certificate_text = "";\n'
            + code
            + "    (void)buf; (void)needed; (void)certificate_text;\n}\n"
        )
print(f"{len(blocks)} C blocks in README.md")
PY

flags=(-std=c99 -Wall -Wextra -Werror -Iinclude)
count=0
for f in "$work"/fragment*.c; do
  [ -e "$f" ] || continue
  cc "${flags[@]}" -Wno-unused-variable -c "$f" -o "${f%.c}.o"
  count=$((count + 1))
done
for f in "$work"/program*.c; do
  [ -e "$f" ] || continue
  cc "${flags[@]}" "$f" -L"$lib" -Wl,-rpath,"$PWD/$lib" -llicensekit -o "${f%.c}"
  cc "${flags[@]}" "$f" "$lib/liblicensekit.a" -lpthread -ldl -lm -o "${f%.c}-static"
  # The program talks to a server that does not exist here: it must start, compute the
  # computer ID, and fail cleanly (exit 0 or 1, never a crash).
  for exe in "${f%.c}" "${f%.c}-static"; do
    status=0
    XDG_DATA_HOME="$work/data" timeout 60 "$exe" >"$exe.out" 2>&1 || status=$?
    if [ "$status" -gt 1 ]; then
      cat "$exe.out" >&2
      echo "README program $(basename "$f") exited with $status" >&2
      exit 1
    fi
    grep -q "computer ID" "$exe.out" || { cat "$exe.out" >&2; echo "README program printed no computer ID" >&2; exit 1; }
  done
  count=$((count + 1))
done
[ "$count" -gt 0 ] || { echo "no README C block was compiled" >&2; exit 1; }
echo "README: $count C blocks compiled and the programs run"
