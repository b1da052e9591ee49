"""The README's Python program runs as written against the real server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import TREE, Server


def test_readme_program(server: Server, tmp_path: Path) -> None:
    readme = (TREE / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Python", 1)[1].split("\n### ", 1)[0]
    blocks = re.findall(r"^```python\n(.*?)^```", section, re.S | re.M)
    assert len(blocks) == 1
    program = tmp_path / "first.py"
    program.write_text(blocks[0], encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(program), server.product, server.public_key, server.url, server.capacity_code],
        env={**os.environ, "XDG_DATA_HOME": str(tmp_path / "xdg")}, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:3] == ["status now LK_OK", "EXPORT enabled: True", "SOLVER: True"], lines
    assert re.fullmatch(r"tokens left: \d+", lines[3]) and lines[4] == "status now LK_DEACTIVATED", lines
