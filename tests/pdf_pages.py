"""Reading PDFs in tests with pdftotext and pdftoppm (Debian poppler-utils).

Not a test module: test modules import these helpers.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def poppler(tool: str) -> str:
    """The path of a poppler tool; skip without it (fail in CI, FLBOOK_REQUIRE_BROWSER=1)."""
    found = shutil.which(tool)
    if not found:
        if os.environ.get("FLBOOK_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{tool} (poppler-utils) is missing")
        pytest.skip(f"{tool} (apt poppler-utils) reads the PDF pages")
    return found


def pdftotext(pdf: Path, *options: str) -> str:
    """What ``pdftotext OPTIONS PDF -`` prints."""
    return subprocess.run(
        [poppler("pdftotext"), *options, str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def layout_pages(pdf: Path) -> list[str]:
    """Each page's text, laid out as on the page (``pdftotext -layout``)."""
    return pdftotext(pdf, "-layout").split("\f")[:-1]
