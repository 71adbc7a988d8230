"""Every chapter under other floating-point paths: which cells raise, which printed numbers move.

    .venv/bin/python benchmarks/float_paths.py                 # every path, every notebook
    .venv/bin/python benchmarks/float_paths.py --paths haswell --notebooks 07b_digits_final

Another CPU, BLAS kernel or numpy SIMD loop rounds the last bits of a matrix
product or an ``exp`` differently, and a training run can amplify those bits into
a different network. This script executes each chapter notebook in a fresh kernel
once per *path* and compares what they print:

- ``default``: whatever this machine's numpy and OpenBLAS choose;
- ``haswell``, ``sandybridge``, ``skylakex``: OpenBLAS's kernels for those CPUs,
  chosen with ``OPENBLAS_CORETYPE`` for that kernel's process only (``skylakex``
  only where the CPU has AVX-512);
- ``numpy-baseline``: numpy's own loops (``exp``, ``log``, ``tanh``, ...) without
  AVX2 / AVX-512, through ``NPY_DISABLE_CPU_FEATURES``.

For each notebook and path it reports the cells that raised, the printed numbers
that differ from the default path's (and the largest relative move), and the
numbers of three or more significant digits in the prose that the default run
prints but this path does not. These variables are set here, by hand, for
measurement; the tests never set ``OPENBLAS_*``.

Writes ``benchmarks/results/float_paths.{md,json}``; executed notebooks are kept
in ``--keep DIR`` if given.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
from _machine import cpu_model  # benchmarks/ is on sys.path when run as a script

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from prose import NUMBER, printed_numbers, prose_numbers, prose_text, shows  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
BOOK = REPO / "book"
RESULTS = Path(__file__).resolve().parent / "results"
BASELINE_SIMD = "X86_V3 X86_V4 AVX512_ICL AVX512_SPR"
PATHS = {
    "default": {},
    "haswell": {"OPENBLAS_CORETYPE": "Haswell"},
    "sandybridge": {"OPENBLAS_CORETYPE": "Sandybridge"},
    "skylakex": {"OPENBLAS_CORETYPE": "SkylakeX"},
    "numpy-baseline": {"NPY_DISABLE_CPU_FEATURES": BASELINE_SIMD},
}


def has_avx512() -> bool:
    try:
        return "avx512f" in Path("/proc/cpuinfo").read_text()
    except OSError:
        return False


def execute(source: Path, target: Path) -> float:
    """Run one notebook (errors recorded, not raised) in this process's environment."""
    from nbclient import NotebookClient

    notebook = nbformat.read(source, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(BOOK)}},
    )
    started = time.monotonic()
    client.execute()
    seconds = time.monotonic() - started
    nbformat.write(notebook, target)
    return seconds


def run_path(path: str, notebooks: list[Path], out: Path) -> dict[str, float]:
    """Execute the notebooks in a child process whose environment selects ``path``."""
    folder = out / path
    folder.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE",)}
    env.pop("NPY_DISABLE_CPU_FEATURES", None)
    env |= PATHS[path]
    command = [sys.executable, __file__, "--child", str(folder), *map(str, notebooks)]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{path}: {result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def text_of(output: dict) -> str:
    """The plain text an output shows (stream, text/plain, or an error's name and value)."""
    if output["output_type"] == "stream":
        return output["text"]
    if output["output_type"] == "error":
        return f"{output['ename']}: {output['evalue']}"
    return output.get("data", {}).get("text/plain", "")


def cell_numbers(notebook) -> list[list[str]]:
    """For each code cell, the numbers its text outputs print, in order."""
    found = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        text = "".join(text_of(o) for o in cell.outputs)
        found.append(NUMBER.findall(text))
    return found


def quoted_from_runs(default) -> list[tuple[str, bool]]:
    """The prose's numbers (≥ 3 significant digits) that the default run prints, with % flags."""
    printed, text = printed_numbers(default), prose_text(default)
    quoted = []
    for token in prose_numbers(default):
        percent = bool(re.search(re.escape(token) + r"\s*(%|\\%|per ?cent)", text))
        if shows(token, printed, percent=percent):
            quoted.append((token, percent))
    return quoted


def compare(default, other) -> dict:
    """Raising cells, moved numbers and contradicted prose numbers of ``other`` vs ``default``."""
    raising = [
        i
        for i, c in enumerate(other.cells)
        if any(o["output_type"] == "error" for o in c.get("outputs", []))
    ]
    moved, largest = 0, 0.0
    for a_cell, b_cell in zip(cell_numbers(default), cell_numbers(other), strict=True):
        for a, b in zip(a_cell, b_cell, strict=False):
            if a != b:
                moved += 1
                try:
                    x, y = float(a.replace(",", "")), float(b.replace(",", ""))
                    largest = max(largest, abs(x - y) / max(abs(x), 1e-300))
                except ValueError:
                    pass
    from_run = quoted_from_runs(default)
    printed_other = printed_numbers(other)
    contradicted = [t for t, percent in from_run if not shows(t, printed_other, percent=percent)]
    return {
        "raising_cells": raising,
        "errors": [
            text_of(o)[:300]
            for i in raising
            for o in other.cells[i].outputs
            if o["output_type"] == "error"
        ],
        "numbers_moved": moved,
        "largest_relative_move": largest,
        "prose_numbers_from_runs": len(from_run),
        "prose_contradicted": contradicted,
    }


def child(folder: Path, notebooks: list[Path]) -> None:
    """Execute the notebooks two at a time (the machine has two cores); print their times."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        times = dict(
            zip(
                [p.stem for p in notebooks],
                pool.map(lambda p: execute(p, folder / p.name), notebooks),
                strict=True,
            )
        )
    print(json.dumps(times))


def report(results: dict, times: dict, paths: list[str]) -> str:
    lines = [
        "# Every chapter under other floating-point paths",
        "",
        f"Machine: {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}.",
        "Each cell: raising cells / printed numbers that moved (largest relative move) /",
        "prose numbers (≥ 3 significant digits) printed by the default run but not by this path.",
        "",
        "| notebook | " + " | ".join(paths) + " |",
        "|---|" + "---|" * len(paths),
    ]
    for name, per_path in results.items():
        row = [name]
        for path in paths:
            r = per_path[path]
            contradicted = ", ".join(r["prose_contradicted"]) or "none"
            row.append(
                f"{len(r['raising_cells'])} / {r['numbers_moved']} "
                f"({r['largest_relative_move']:.2g}) / {contradicted}"
            )
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", "Execution time (s):", ""]
    lines += ["| notebook | " + " | ".join(paths) + " |", "|---|" + "---:|" * len(paths)]
    for name in results:
        lines.append(
            "| " + name + " | " + " | ".join(f"{times[p][name]:.1f}" for p in paths) + " |"
        )
    errors = [
        f"- {name}, {path}: {e}"
        for name, per_path in results.items()
        for path in paths
        for e in per_path[path]["errors"]
    ]
    if errors:
        lines += ["", "Errors:", "", *errors]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--paths", nargs="*", default=None)
    parser.add_argument("--notebooks", nargs="*", default=None, help="stems, e.g. 07b_digits_final")
    parser.add_argument("--keep", type=Path, default=None, help="keep executed notebooks here")
    parser.add_argument("--no-write", action="store_true", help="print only; results/ untouched")
    parser.add_argument(
        "--compare-only", action="store_true", help="compare the notebooks already in --keep"
    )
    parser.add_argument("rest", nargs="*", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.rest)
        return
    notebooks = sorted(BOOK.glob("*.ipynb"))
    if args.notebooks:
        notebooks = [p for p in notebooks if p.stem in args.notebooks]
    paths = args.paths or [p for p in PATHS if p != "skylakex" or has_avx512()]
    if "default" not in paths:
        paths = ["default", *paths]
    out = args.keep or Path(tempfile.mkdtemp(prefix="float-paths-"))
    times = {}
    for path in paths:
        started = time.monotonic()
        if args.compare_only:
            times[path] = json.loads((out / path / "times.json").read_text())
        else:
            times[path] = run_path(path, notebooks, out)
            (out / path / "times.json").write_text(json.dumps(times[path]))
        print(f"{path}: {time.monotonic() - started:.0f} s", flush=True)
    results = {}
    for nb in notebooks:
        default = nbformat.read(out / "default" / nb.name, as_version=4)
        results[nb.stem] = {
            p: compare(default, nbformat.read(out / p / nb.name, as_version=4)) for p in paths
        }
    text = report(results, times, paths)
    print(text)
    if not args.no_write:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "float_paths.md").write_text(text)
        payload = {"machine": cpu_model(), "paths": PATHS, "times": times, "results": results}
        (RESULTS / "float_paths.json").write_text(json.dumps(payload, indent=1) + "\n")
    print(f"executed notebooks in {out}")


if __name__ == "__main__":
    main()
