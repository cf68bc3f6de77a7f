"""One exception family for everything a user can get wrong.

Every message names where the problem is (file, key or column, line) and what was
expected, so the command line can print it as one line without a traceback.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["FlbookError", "ConfigError", "ExportError"]


class FlbookError(Exception):
    """Base class of every error flbook raises about its input."""


class ConfigError(FlbookError):
    """A course settings file (``course.yml``) is missing, malformed or invalid.

    Parameters
    ----------
    file : path of the settings file (or ``None`` for settings given in code).
    key : the offending key, dotted for nested keys (``notable_dates.Launch``).
    message : what is wrong and what was expected.
    """

    def __init__(self, file: str | Path | None, key: str | None, message: str) -> None:
        self.file = str(file) if file is not None else None
        self.key = key
        self.message = message
        where = self.file or "course settings"
        if key:
            where += f", key '{key}'"
        super().__init__(f"{where}: {message}")


class ExportError(FlbookError):
    """An export file cannot be read as the dataset it claims to be.

    Parameters
    ----------
    file : the CSV file.
    message : what is wrong and what was expected.
    column : the offending column, if any.
    line : the 1-based physical line in the file where the bad value starts, if known.
    value : the offending value, if any (shortened in the message).
    """

    def __init__(
        self,
        file: str | Path,
        message: str,
        *,
        column: str | None = None,
        line: int | None = None,
        value: str | None = None,
    ) -> None:
        self.file = str(file)
        self.column = column
        self.line = line
        self.value = value
        self.message = message
        parts = [self.file]
        if line is not None:
            parts.append(f"line {line}")
        if column is not None:
            parts.append(f"column '{column}'")
        text = ", ".join(parts) + ": "
        if value is not None:
            shown = value if len(value) <= 60 else value[:57] + "..."
            text += f"value {shown!r}: "
        super().__init__(text + message)
