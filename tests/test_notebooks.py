"""Tier 2, the notebooks: each chapter runs top to bottom in a fresh kernel, on another float path.

This executes the committed source notebook, the very file the site offers for
download, with ``book/`` as working directory, as the build and a reader do.

The build runs the machine's default arithmetic; this tier runs numpy's baseline
SIMD loops instead (``NPY_DISABLE_CPU_FEATURES``, on x86-64), which round
``exp``, ``log``, ``tanh`` … differently, as another reader's CPU would. A check
or a claim that holds only for one machine's last bits fails here, on any
machine with AVX2. After the run, every number of three or more significant
digits in the prose must be one that this run printed (see ``prose.py``).
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from conftest import BOOK
from nbclient import NotebookClient
from prose import unprinted_prose_numbers

pytestmark = pytest.mark.notebooks

NOTEBOOKS = sorted(BOOK.glob("*.ipynb"))
CELL_TIMEOUT = 300
# numpy's own loops without AVX2 and AVX-512: the x86-64 baseline every CPU has.
BASELINE_SIMD = "X86_V3 X86_V4 AVX512_ICL AVX512_SPR"
X86_64 = platform.machine().lower() in {"x86_64", "amd64"}
# numpy names its AVX2 level X86_V3 (the flag 'AVX2' itself stays True when it is disabled)
PROBE = (
    "from numpy._core._multiarray_umath import __cpu_features__ as _features\n"
    "print('AVX2 in use:', _features.get('X86_V3', _features['AVX2']))"
)


def baseline_env() -> dict[str, str]:
    """This process's environment with numpy's SIMD set to the x86-64 baseline (on x86-64)."""
    env = dict(os.environ)
    if X86_64:
        env["NPY_DISABLE_CPU_FEATURES"] = BASELINE_SIMD
    return env


def cpu_has_avx2() -> bool:
    """Whether numpy uses AVX2 on this machine by default (the baseline path is then different)."""
    script = (
        "from numpy._core._multiarray_umath import __cpu_features__ as f; "
        "print(f.get('X86_V3', f['AVX2']))"
    )
    env = {k: v for k, v in os.environ.items() if k != "NPY_DISABLE_CPU_FEATURES"}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    return out.stdout.strip() == "True"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_in_a_fresh_kernel(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(PROBE))
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(BOOK)}},
    )
    started = time.monotonic()
    client.execute(env=baseline_env())  # raises CellExecutionError, naming the cell
    print(f"{path.name}: {time.monotonic() - started:.1f} s")
    probe = notebook.cells.pop()
    if X86_64 and cpu_has_avx2():
        printed = "".join(o.get("text", "") for o in probe.outputs)  # streams may come split
        assert printed.strip() == "AVX2 in use: False", (
            "the kernel did not run on numpy's baseline SIMD path: " + str(probe.outputs)
        )
    unprinted = unprinted_prose_numbers(notebook)
    assert not unprinted, (
        f"{path.name}: the prose quotes numbers that this run (numpy baseline SIMD) does "
        f"not print: {unprinted}. Quote a run's result only to the digits that survive "
        f"another machine's rounding, or list a number that is not a run's output, with "
        f"its reason, in the notebook's metadata nnscratch.prose_constants (tests/prose.py)"
    )


def test_the_baseline_path_really_rounds_differently() -> None:
    """Without this, the tier above could run the default path and test nothing new."""
    if not X86_64:
        pytest.skip("NPY_DISABLE_CPU_FEATURES baseline is set on x86-64 only")
    if not cpu_has_avx2():
        pytest.skip("this CPU has no AVX2: numpy's default path is already the baseline")
    script = (
        "import hashlib, numpy as np; x = np.linspace(-20, 20, 100001); "
        "print(hashlib.sha256(np.exp(x).tobytes() + np.tanh(x).tobytes()).hexdigest())"
    )
    default_env = {k: v for k, v in os.environ.items() if k != "NPY_DISABLE_CPU_FEATURES"}

    def digest(env: dict[str, str]) -> str:
        out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True)
        assert out.returncode == 0, out.stderr.decode()
        return out.stdout.decode().strip()

    assert digest(default_env) != digest(baseline_env()), (
        "np.exp and np.tanh give the same bits with and without numpy's baseline SIMD: "
        "the notebooks tier would not exercise another float path"
    )
