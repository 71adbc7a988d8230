"""Tier 2, the notebooks: each chapter runs top to bottom in a fresh kernel.

This executes the committed source notebook, the very file the site offers for
download, with ``book/`` as working directory, as the build and a reader do.
"""

from __future__ import annotations

import time
from pathlib import Path

import nbformat
import pytest
from conftest import BOOK
from nbclient import NotebookClient

pytestmark = pytest.mark.notebooks

NOTEBOOKS = sorted(BOOK.glob("*.ipynb"))
CELL_TIMEOUT = 300


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_in_a_fresh_kernel(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(BOOK)}},
    )
    started = time.monotonic()
    client.execute()  # raises CellExecutionError, naming the cell, on the first failure
    print(f"{path.name}: {time.monotonic() - started:.1f} s")
