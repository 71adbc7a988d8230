"""The repository itself: notebooks committed clean, the toc complete, the commands wired."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import BOOK, REPO, toc_files

NOTEBOOKS = sorted(BOOK.glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_without_outputs(path: Path) -> None:
    """Outputs belong to the build, not to git: strip them before committing."""
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            assert not cell.outputs, f"{path.name}: cell {index} has outputs"
            assert cell.execution_count is None, f"{path.name}: cell {index} has an execution count"
    assert "widgets" not in notebook.metadata, f"{path.name}: carries saved widget state"


def test_toc_and_book_folder_agree() -> None:
    """Every page of the toc exists, and every notebook in book/ is in the toc."""
    listed = toc_files()
    for docname in listed:
        matches = list(REPO.glob(f"{docname}.*"))
        assert matches, f"_toc.yml lists {docname}, which does not exist"
    in_toc = {REPO / f"{d}.ipynb" for d in listed}
    orphans = [p.name for p in NOTEBOOKS if p not in in_toc]
    assert not orphans, f"notebooks missing from _toc.yml: {orphans}"


def test_requirements_pin_lower_bounds() -> None:
    for line in (REPO / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if not line or line.startswith("-e"):
            continue
        assert re.search(r">=\s*\d", line), f"requirements.txt: {line!r} has no lower bound"


def test_jupyter_book_stays_on_version_1() -> None:
    text = (REPO / "requirements.txt").read_text()
    assert re.search(r"^jupyter-book>=1[^\n]*<2", text, re.MULTILINE), "pin jupyter-book<2"


def test_ci_runs_the_readme_test_command() -> None:
    ci = REPO / ".ci" / "run"
    assert os.access(ci, os.X_OK), ".ci/run is not executable"
    command = "python3 run.py test"
    assert command in ci.read_text(), f".ci/run does not run {command!r}"
    readme = (REPO / "README.md").read_text()
    assert command in readme and "python3 run.py book" in readme, "README lacks the two commands"


@pytest.mark.parametrize(
    "command", [["check", "--output-format", "concise", "."], ["format", "--check", "."]]
)
def test_ruff_finds_nothing(command: list[str]) -> None:
    """The lint and format rules of pyproject.toml hold everywhere (notebooks: lint only)."""
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *command], cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
