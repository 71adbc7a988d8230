"""The numbers a chapter's prose quotes, and whether its executed outputs print them.

"Every number in the prose is the one the output shows": a number of three or
more significant digits in a markdown cell must be printed, to the digits the
prose gives, by some output of the same executed notebook, unless it is listed
in the notebook's metadata as a number that no run produces (a setting, a data
set's size, a closed form worked out in the text), each with the reason::

    "metadata": {"nnscratch": {"prose_constants": {"40.5": "the starting threshold, a setting"}}}

Used by the notebooks tier (on numpy's baseline SIMD path, so that a number that
only one machine's rounding prints fails there) and by
``benchmarks/float_paths.py`` (on every float path).
"""

from __future__ import annotations

import html
import math
import re

# 1,437 · 0.0509 · 99.17 · 3.9e-12 · −0.75; not the 07 of "07a_digits" nor the 2 of "x2".
NUMBER = re.compile(
    r"(?<![\w.\\])[-−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+−]?\d+)?(?![\w])"
)
TAG = re.compile(r"<[^>]+>")
SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
# 2.83·10⁻⁵, 3.9 \times 10^{-12}: written as 2.83e-5 and 3.9e-12
POWER_OF_TEN = re.compile(
    r"(\d(?:\.\d+)?)\s*(?:·|×|\\times|\\cdot)\s*10\s*(?:\^\{?([-−]?\d+)\}?|([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+))"
)


def _power_of_ten(match: re.Match) -> str:
    exponent = match.group(2) or match.group(3).translate(SUPERSCRIPT)
    return f"{match.group(1)}e{exponent.replace('−', '-')}"


def significant_digits(token: str) -> int:
    """Significant digits as written: 0.0509 → 3, 1437 → 4, 360 → 2, 0.50 → 2, 3.9e-12 → 2."""
    mantissa = re.split(r"[eE]", token.lstrip("-−"))[0].replace(",", "")
    if "." in mantissa:
        return len(mantissa.replace(".", "").lstrip("0"))
    return len(mantissa.lstrip("0").rstrip("0"))


def _value(token: str) -> float:
    return float(token.replace("−", "-").replace(",", ""))


def prose_text(notebook) -> str:
    """The markdown of a notebook without link targets, citations and roles' arguments."""
    text = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    text = re.sub(r"\]\([^)]*\)", "]", text)  # [Chapter 7](07a_digits.ipynb)
    text = re.sub(r"\{[\w:-]+\}`[^`]*`", " ", text)  # {cite:t}`rosenblatt1958`
    text = re.sub(r"^```\{[^}]*\}.*$|^:\w+:.*$", " ", text, flags=re.M)  # directive lines
    return POWER_OF_TEN.sub(_power_of_ten, text)


def prose_numbers(notebook, min_digits: int = 3) -> list[str]:
    """Numbers of at least ``min_digits`` significant digits in the prose, in order, once each."""
    seen = []
    for match in NUMBER.finditer(prose_text(notebook)):
        token = match.group().replace("−", "-")
        if significant_digits(token) >= min_digits and token not in seen:
            seen.append(token)
    return seen


def output_text(output) -> str:
    """The text an output shows: a stream, text/plain, or text/html without its tags."""
    if output["output_type"] == "stream":
        return output["text"]
    if output["output_type"] == "error":
        return f"{output['ename']}: {output['evalue']}"
    data = output.get("data", {})
    parts = [data.get("text/plain", "")]
    if "text/html" in data and "image/png" not in data:
        parts.append(html.unescape(TAG.sub(" ", data["text/html"])))
    return "\n".join(p if isinstance(p, str) else "".join(p) for p in parts)


def printed_numbers(notebook) -> list[float]:
    """Every number printed by the notebook's outputs."""
    values = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        for output in cell.outputs:
            for token in NUMBER.findall(output_text(output)):
                try:
                    values.append(_value(token))
                except ValueError:
                    continue
    return values


def shows(token: str, printed: list[float], percent: bool = False) -> bool:
    """Whether some printed value, rounded as the prose rounds ``token``, is ``token``."""
    target = _value(token)
    mantissa = re.split(r"[eE]", token)[0]
    candidates = printed + ([100 * v for v in printed] if percent else [])
    if re.search(r"[eE]", token):  # 3.9e-12: compare to as many significant digits
        digits = max(significant_digits(token), 1)
        return any(f"{v:.{digits - 1}e}" == f"{target:.{digits - 1}e}" for v in candidates)
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    half = 0.5 * 10.0**-decimals
    return any(
        math.isclose(abs(v - target), half, rel_tol=1e-9) or abs(v - target) < half
        for v in candidates
    )


def constants(notebook) -> dict[str, str]:
    """The prose's numbers that are not a run's output, with why (the notebook's metadata)."""
    return dict(notebook.metadata.get("nnscratch", {}).get("prose_constants", {}))


def unprinted_prose_numbers(notebook) -> list[str]:
    """Prose numbers that the executed ``notebook`` does not print and that are not constants."""
    printed = printed_numbers(notebook)
    text = prose_text(notebook)
    allowed = constants(notebook)
    missing = []
    for token in prose_numbers(notebook):
        if token in allowed:
            continue
        percent = bool(re.search(re.escape(token) + r"\s*(%|\\%|per ?cent)", text))
        if not shows(token, printed, percent=percent):
            missing.append(token)
    return missing
