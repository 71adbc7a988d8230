"""Exercises keep their answers hidden in the notebook as on the site.

A reader works in JupyterLab: there, a cell is visible unless its source is
collapsed (``metadata.jupyter.source_hidden``); ``remove-cell`` tags only act on
the site. JupyterLab also unfolds a cell's outputs whenever it runs, so a code
solution begins with ``%%solution``, which folds what it prints inside the output. So every exercise checks against a sealed key, no visible cell holds
its expected value, and every solution is collapsed in both places and leaves
the reader's ``answer`` alone.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import numpy as np
import pytest
from conftest import chapter_notebooks

from nnscratch.exercises import unseal

CHECK_CALL = re.compile(r"(?<![\w.])check\(")
KEY = re.compile(r"nn1:[A-Za-z0-9_\-]+")
SOLUTION_TAGS = {"hide-cell", "hide-input", "remove-input", "remove-cell"}


def hidden_in_notebook(cell) -> bool:
    return bool(cell.metadata.get("jupyter", {}).get("source_hidden"))


def is_solution(cell) -> bool:
    source = cell.source
    if cell.cell_type == "code":
        return "assert check(" in source
    return bool(re.search(r"\{admonition\}\s*Solution|^:class: dropdown", source, re.M)) and (
        "olution" in source
    )


def number_forms(value: float) -> set[str]:
    """Ways a non-integer number could be written out in a cell."""
    forms = {repr(value), f"{value:g}"}
    forms |= {f"{value:.{digits}f}" for digits in (3, 4, 5, 6)}
    return {form for form in forms if len(form.strip("-0.")) >= 3}


def check_calls(source: str) -> list[str]:
    """The text of every ``check(...)`` call in a cell, parentheses balanced."""
    calls = []
    for match in CHECK_CALL.finditer(source):
        depth, end = 0, match.end() - 1
        for end in range(match.end() - 1, len(source)):
            depth += {"(": 1, ")": -1}.get(source[end], 0)
            if depth == 0:
                break
        calls.append(source[match.start() : end + 1])
    return calls


def exercise_cells(path: Path):
    notebook = nbformat.read(path, as_version=4)
    return notebook.cells


@pytest.mark.parametrize("path", chapter_notebooks(), ids=lambda p: p.stem)
def test_every_check_uses_a_sealed_key(path: Path) -> None:
    for index, cell in enumerate(exercise_cells(path)):
        if cell.cell_type != "code":
            continue
        for call in check_calls(cell.source):
            keys = KEY.findall(call)
            assert len(keys) == 1, (
                f"{path.name} cell {index}: {call!r} needs one sealed key, written out "
                f"(made by nnscratch.exercises.seal)"
            )
            unseal(keys[0])


@pytest.mark.parametrize("path", chapter_notebooks(), ids=lambda p: p.stem)
def test_no_visible_cell_shows_an_expected_answer(path: Path) -> None:
    cells = exercise_cells(path)
    keys = {key for cell in cells for key in KEY.findall(cell.source)}
    visible = [(i, c) for i, c in enumerate(cells) if not hidden_in_notebook(c)]
    for key in keys:
        record = unseal(key)
        if record["kind"] != "number":
            continue
        values = np.asarray(record["value"], dtype=float)
        if values.size > 1:  # an array: its entries, written as a list, must not appear
            forms = {", ".join(f"{v:g}" for v in values), " ".join(f"{v:g}" for v in values)}
        else:
            value = float(values[0])
            forms = number_forms(value) if value != round(value) else set()
            # a whole number is too common in prose to ban; ban it as a literal answer in code
            forms |= {f"answer = {value:g}", f"check({value:g},"}
        for index, cell in visible:
            for form in forms:
                assert form not in cell.source, (
                    f"{path.name} cell {index} shows the expected answer {form!r} of key "
                    f"{key[:12]}…; compute it in a collapsed solution instead"
                )


@pytest.mark.parametrize("path", chapter_notebooks(), ids=lambda p: p.stem)
def test_solutions_are_collapsed_and_leave_the_answer_alone(path: Path) -> None:
    solutions = 0
    for index, cell in enumerate(exercise_cells(path)):
        if not is_solution(cell):
            continue
        solutions += 1
        assert hidden_in_notebook(cell), (
            f"{path.name} cell {index}: a solution must be collapsed in JupyterLab "
            f"(metadata.jupyter.source_hidden = true)"
        )
        if cell.cell_type == "code":
            tags = set(cell.metadata.get("tags", []))
            assert tags & SOLUTION_TAGS, f"{path.name} cell {index}: a solution needs hide-cell"
            assert cell.source.startswith("%%solution\n"), (
                f"{path.name} cell {index}: a code solution begins with %%solution, so that "
                "its output stays folded in JupyterLab after Run All (JupyterLab unfolds the "
                "outputs of every cell it runs)"
            )
            assert cell.metadata.get("jupyter", {}).get("outputs_hidden"), (
                f"{path.name} cell {index}: a solution's outputs start collapsed too "
                "(metadata.jupyter.outputs_hidden = true)"
            )
            assert not re.search(r"^\s*answer\s*=", cell.source, re.M), (
                f"{path.name} cell {index}: a solution must not overwrite the reader's `answer`"
            )
        else:
            assert ":class: dropdown" in cell.source, (
                f"{path.name} cell {index}: a written solution belongs in a dropdown"
            )
    assert solutions >= 3, f"{path.name}: expected at least three exercises with solutions"
