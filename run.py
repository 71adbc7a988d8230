"""The course's two commands, for a fresh machine with nothing but Python 3.11.

    python3 run.py book    # build the book into _build/html/ (executes the notebooks)
    python3 run.py test    # run the whole test suite (package, notebooks, site, browser)
    python3 run.py lab     # open the notebooks in JupyterLab

Each command first makes sure that the virtual environment ``.venv`` exists and
holds everything in ``requirements.txt``. It reinstalls only when
``requirements.txt`` or ``pyproject.toml`` changed since the last install (a
hash is kept in ``.venv/requirements.sha256``).

Extra arguments are passed on: ``python3 run.py test -k site -x``,
``python3 run.py book --clean`` (rebuild from scratch: removes ``_build``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / "requirements.sha256"
INPUTS = ("requirements.txt", "pyproject.toml")


def say(message: str) -> None:
    """Print one progress line of this script, set apart from the tools' output."""
    print(f"[run.py] {message}", flush=True)


def run(*command: str | Path) -> int:
    """Run a command from the repository root and return its exit code."""
    return subprocess.call([str(part) for part in command], cwd=ROOT)


def requirements_hash() -> str:
    """Hash of everything that decides what the environment must contain."""
    digest = hashlib.sha256()
    for name in INPUTS:
        digest.update(name.encode() + b"\0" + (ROOT / name).read_bytes() + b"\0")
    return digest.hexdigest()


def ensure_venv() -> None:
    """Create ``.venv`` if missing and install the requirements unless they are up to date."""
    if sys.version_info < (3, 11):  # noqa: UP036 - run.py runs on any system python
        sys.exit(f"run.py needs Python 3.11 or newer, this is {sys.version.split()[0]}")
    if not PYTHON.exists():
        say(f"creating the virtual environment {VENV.relative_to(ROOT)}/")
        if run(sys.executable, "-m", "venv", VENV) != 0:
            sys.exit("could not create .venv (on Debian/Ubuntu: apt-get install python3-venv)")
    wanted = requirements_hash()
    if STAMP.exists() and STAMP.read_text().strip() == wanted:
        return
    say("installing requirements.txt into .venv (once; takes about a minute)")
    started = time.monotonic()
    if (
        run(
            PYTHON,
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "-q",
            "-r",
            "requirements.txt",
        )
        != 0
    ):
        sys.exit("pip install -r requirements.txt failed (see above)")
    STAMP.write_text(wanted + "\n")
    say(f"environment ready in {time.monotonic() - started:.0f} s")


def ensure_jupyter_hook() -> None:
    """Let the course's JupyterLab save notebooks with kernel-free figures (nnscratch.jupyter)."""
    if not (VENV / "etc" / "jupyter" / "jupyter_server_config.d" / "nnscratch.json").exists():
        run(PYTHON, "-m", "nnscratch.jupyter")


def ensure_js() -> None:
    """Install the JavaScript the browser tests inject (axe-core), when npm is there."""
    folder = ROOT / "tests" / "js"
    lock, done = folder / "package-lock.json", folder / "node_modules" / ".package-lock.json"
    if done.exists() and done.stat().st_mtime >= lock.stat().st_mtime:
        return
    npm = shutil.which("npm")
    if npm is None:
        say("npm is missing: the accessibility audit will be skipped (apt-get install npm)")
        return
    say("installing tests/js/package-lock.json (axe-core) with npm")
    if run(npm, "ci", "--prefix", folder, "--no-audit", "--no-fund", "--loglevel=error") != 0:
        sys.exit("npm ci in tests/js failed (see above)")


def book(args: list[str]) -> int:
    """Build the HTML book, executing the notebooks (cached: only changed ones run again)."""
    if "--clean" in args:
        args = [a for a in args if a != "--clean"]
        shutil.rmtree(ROOT / "_build", ignore_errors=True)
    started = time.monotonic()
    code = run(BIN / "jupyter-book", "build", ".", "-W", "-n", "--keep-going", *args)
    seconds = time.monotonic() - started
    if code == 0:
        say(f"book built in {seconds:.0f} s: open {ROOT / '_build' / 'html' / 'index.html'}")
    else:
        say(f"the book build failed after {seconds:.0f} s (exit code {code}); see above")
    return code


def test(args: list[str]) -> int:
    """Run the whole pytest suite and report the slowest tests."""
    ensure_js()
    return run(PYTHON, "-m", "pytest", "--durations=15", *args)


def lab(args: list[str]) -> int:
    """Open the chapters in JupyterLab."""
    return run(BIN / "jupyter", "lab", "book/", *args)


COMMANDS = {"book": book, "test": test, "lab": lab}


def main(argv: list[str]) -> int:
    """Dispatch ``python3 run.py <command> [args...]``."""
    if not argv or argv[0] not in COMMANDS:
        print(__doc__)
        return 2
    ensure_venv()
    ensure_jupyter_hook()
    return COMMANDS[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
