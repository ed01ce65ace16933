"""The repository stands alone: nothing in it reads material from beside the checkout or from a path on
the machine that wrote it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MACHINE_PATHS = re.compile(r"(/work/|\.\./shared|/root/\.pyenv)")
SKIPPED_SUFFIXES = {".png", ".lock", ".json"}


def _tracked_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],  # noqa: S607 - git on PATH
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [ROOT / name for name in listed if (ROOT / name).is_file()]


def test_no_file_names_shared_material_or_machine_paths() -> None:
    offenders = []
    for path in _tracked_files():
        if path.suffix in SKIPPED_SUFFIXES or path == Path(__file__):
            continue
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if MACHINE_PATHS.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}")
    assert offenders == []


def test_the_saleor_fixtures_are_in_the_repository() -> None:
    fixtures = ROOT / "tests" / "fixtures" / "saleor"
    assert (fixtures / "schema.graphql").read_text().startswith("schema {")
    assert len(list((fixtures / "deliveries").glob("*.json"))) == 28  # 26 deliveries, the JWKS, register
    assert (ROOT / "LICENSE").read_text().startswith("BSD 3-Clause License")
