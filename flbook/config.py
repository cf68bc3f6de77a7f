"""Course settings: ``course.yml`` → a validated, frozen :class:`CourseConfig`.

The settings are what the original recipes notebook asked its user to type in (the
data folder ``PATH`` and file prefix ``STUB``, the course dates, the exercise and
social steps, the study-session gap). Everything else (week start dates, the end of
the course, "5 days before start") is derived here, never typed.

The same settings are the parameter set papermill injects into every chapter:
:meth:`CourseConfig.to_parameters` gives plain values, :meth:`CourseConfig.from_parameters`
reads them back.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import ConfigError
from .resources import stub_course

__all__ = ["CourseConfig", "load_config", "parse_moment", "DEFAULT_COURSE", "PARAMETERS"]

DEFAULT_COURSE = stub_course()
"""The bundled synthetic course (used when no settings file is named)."""

_STEP = re.compile(r"^([0-9]+)\.([0-9]+)$")
_RELATIVE = re.compile(
    r"^\s*(?:(\d+)\s+(day|days|week|weeks)\s+(before|after)\s+)?(.+?)\s*$", re.IGNORECASE
)
_WEEK = re.compile(r"^week\s+(\d+)$", re.IGNORECASE)


@dataclasses.dataclass(frozen=True)
class CourseConfig:
    """Validated settings of one course run.

    Build it with :func:`load_config` from a ``course.yml`` file, or with
    :meth:`from_parameters` inside a chapter.

    Examples
    --------
    >>> cfg = CourseConfig(title="Demo", data="/tmp", stub="demo-3", start=dt.date(2024, 2, 5), weeks=2)
    >>> cfg.end
    datetime.date(2024, 2, 19)
    >>> cfg.date("5 days before start")
    datetime.date(2024, 1, 31)
    >>> cfg.week_starts
    [datetime.date(2024, 2, 5), datetime.date(2024, 2, 12)]
    """

    title: str
    """Course title, as it should appear on the book's cover."""
    data: str
    """Folder holding the export CSVs (absolute path)."""
    stub: str
    """File prefix: the exports are ``{stub}_{dataset}.csv``, e.g. ``learn-to-code-12``."""
    start: dt.date
    """First day of study week 1."""
    weeks: int
    """Number of study weeks."""
    registration_open: dt.date | None = None
    """Day enrolment opened (the course was announced), if known."""
    notable_dates: Mapping[str, dt.date] = dataclasses.field(default_factory=dict)
    """Named dates worth marking on time charts (newsletters, press, deadlines)."""
    exercise_steps: tuple[str, ...] = ()
    """Steps that are exercises (``"W.S"``), highlighted on step charts."""
    social_steps: tuple[str, ...] = ()
    """Steps designed for discussion (``"W.S"``), highlighted on step charts."""
    session_gap_minutes: float = 65
    """A longer pause between two step events starts a new study session."""
    timezone: str = "UTC"
    """Time zone for hour-of-day and day-of-week charts (an IANA name)."""
    show_comment_text: bool = False
    """Whether chapters may quote comment text (escaped). Off: only counts are shown."""
    previous_runs: tuple[str, ...] = ()
    """Settings files (``course.yml``) of earlier runs of the same course (absolute paths)."""
    as_of: dt.datetime | None = None
    """The moment of prediction (UTC); ``None``: the end of the data."""
    notebook_logs: str = ""
    """A Jupyter event-log file or folder (jupyterlab-pioneer format); "" if none."""
    notebooks: Mapping[str, str] = dataclasses.field(default_factory=dict)
    """Course notebook path → the step it belongs to (``"week2/lecture.ipynb": "2.4"``)."""
    notebook_user_env: str = "JUPYTERHUB_USER"
    """Environment variable, in the logs' notebook-open events, that names the learner."""
    notebook_user_map: str = ""
    """CSV (``user,learner_id``) linking notebook user names to the export's learner ids."""
    notebook_skip_bad_records: bool = False
    """Skip (and count) notebook-log records that cannot be read, instead of stopping."""
    step_minutes: Mapping[str, float] = dataclasses.field(default_factory=dict)
    """Designed minutes per step (``"1.3": 10``); the key ``"default"`` covers the rest."""
    source: str | None = None
    """The settings file these settings came from (not a parameter)."""

    # ------------------------------------------------------------------ derived
    @property
    def week_starts(self) -> list[dt.date]:
        """First day of each study week (week 1 starts on :attr:`start`)."""
        return [self.start + dt.timedelta(weeks=w) for w in range(self.weeks)]

    @property
    def end(self) -> dt.date:
        """The day after the last study day (start + weeks × 7 days)."""
        return self.start + dt.timedelta(weeks=self.weeks)

    @property
    def last_study_day(self) -> dt.date:
        """The last day of the last study week (the day before :attr:`end`)."""
        return self.end - dt.timedelta(days=1)

    @property
    def study_period(self) -> str:
        """The study weeks in words, the same in ``flbook check``, the book and
        ``flbook predict`` (see :func:`study_period`)."""
        return study_period(self.start, self.weeks)

    @property
    def start_ts(self) -> pd.Timestamp:
        """:attr:`start` as a UTC timestamp at midnight."""
        return pd.Timestamp(self.start, tz="UTC")

    @property
    def named_dates(self) -> dict[str, dt.date]:
        """Every named date: registration open, start, end, week starts, notable dates."""
        out: dict[str, dt.date] = {}
        if self.registration_open:
            out["registration open"] = self.registration_open
        out["start"] = self.start
        for i, d in enumerate(self.week_starts, start=1):
            out[f"week {i}"] = d
        out["end"] = self.end
        out.update(self.notable_dates)
        return out

    def date(self, expression: str | dt.date) -> dt.date:
        """Resolve a date written as ISO, a name, or relative to a name.

        Names are ``start``, ``end``, ``registration open``, ``week N`` and the
        notable dates; relative forms are ``N days|weeks before|after NAME``.
        """
        return _resolve_date(expression, self.named_dates, None, "date")

    def data_file(self, dataset: str) -> Path:
        """Path of one export CSV: ``{data}/{stub}_{dataset}.csv``."""
        return Path(self.data) / f"{self.stub}_{dataset}.csv"

    def describe(self) -> pd.DataFrame:
        """The settings as a two-column table (setting, value) for the book."""

        def steps(xs):
            return ", ".join(xs) if xs else "none named"

        rows = [
            ("Course title", self.title),
            ("File prefix (stub)", self.stub),
            (
                "Registration opened",
                self.registration_open.isoformat() if self.registration_open else "not given",
            ),
            ("First day of week 1", self.start.isoformat()),
            ("Study weeks", self.study_period),
            ("Last study day", self.last_study_day.isoformat()),
            ("Exercise steps", steps(self.exercise_steps)),
            ("Discussion (social) steps", steps(self.social_steps)),
            ("Study-session gap", f"{self.session_gap_minutes:g} minutes"),
            ("Time zone for clock-time charts", self.timezone),
            ("Comment text quoted", "yes" if self.show_comment_text else "no (counts only)"),
        ]
        return pd.DataFrame(rows, columns=["setting", "value"])

    def calendar(self) -> pd.DataFrame:
        """Every named date in time order, with its distance from the start in days."""
        rows = [(d, name, (d - self.start).days) for name, d in self.named_dates.items()]
        out = pd.DataFrame(rows, columns=["date", "name", "days_from_start"])
        out["date"] = pd.to_datetime(out["date"])
        return out.sort_values(["date", "name"], kind="stable").reset_index(drop=True)

    # ------------------------------------------------------------------ parameters
    def to_parameters(self) -> dict[str, Any]:
        """Plain values (str, int, float, bool, list, dict) for papermill to inject."""
        return {
            "title": self.title,
            "data": str(self.data),
            "stub": self.stub,
            "start": self.start.isoformat(),
            "weeks": int(self.weeks),
            "registration_open": self.registration_open.isoformat()
            if self.registration_open
            else "",
            "notable_dates": {k: v.isoformat() for k, v in self.notable_dates.items()},
            "exercise_steps": list(self.exercise_steps),
            "social_steps": list(self.social_steps),
            "session_gap_minutes": self.session_gap_minutes,
            "timezone": self.timezone,
            "show_comment_text": bool(self.show_comment_text),
            "previous_runs": list(self.previous_runs),
            "as_of": self.as_of.strftime("%Y-%m-%d %H:%M:%S") if self.as_of else "",
            "notebook_logs": self.notebook_logs,
            "notebooks": dict(self.notebooks),
            "notebook_user_env": self.notebook_user_env,
            "notebook_user_map": self.notebook_user_map,
            "notebook_skip_bad_records": bool(self.notebook_skip_bad_records),
            "step_minutes": dict(self.step_minutes),
        }

    @classmethod
    def from_parameters(
        cls, params: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> CourseConfig:
        """Rebuild (and validate) settings from :meth:`to_parameters`' plain values."""
        values = dict(params or {}, **kwargs)
        return _validate(values, file=None, base=Path.cwd())


def study_period(start: dt.date | pd.Timestamp, weeks: int) -> str:
    """The study weeks in words: ``"3 study weeks, 2024-02-05 to 2024-02-25 (last study day)"``.

    The one definition of the end of a run: the last study day is the last day of the
    last study week, ``start + 7 × weeks − 1`` days. ``flbook check``, the book and
    ``flbook predict`` all use this wording.
    """
    first = pd.Timestamp(start).date()
    last = first + dt.timedelta(weeks=int(weeks), days=-1)
    noun = "study week" if int(weeks) == 1 else "study weeks"
    return f"{int(weeks)} {noun}, {first.isoformat()} to {last.isoformat()} (last study day)"


PARAMETERS: tuple[str, ...] = (
    "title",
    "data",
    "stub",
    "start",
    "weeks",
    "registration_open",
    "notable_dates",
    "exercise_steps",
    "social_steps",
    "session_gap_minutes",
    "timezone",
    "show_comment_text",
    "previous_runs",
    "as_of",
    "notebook_logs",
    "notebooks",
    "notebook_user_env",
    "notebook_user_map",
    "notebook_skip_bad_records",
    "step_minutes",
)
"""The chapter parameter set, in the order chapters declare it."""

_REQUIRED = ("title", "stub", "start", "weeks")
_KEYS = PARAMETERS


def load_config(path: str | Path | None = None) -> CourseConfig:
    """Read and validate a ``course.yml`` file (default: the bundled synthetic course).

    Raises
    ------
    ConfigError
        naming the file and key, with what was expected.
    """
    import yaml

    path = Path(path) if path is not None else DEFAULT_COURSE
    if path.is_dir():
        path = path / "course.yml"
    if not path.exists():
        raise ConfigError(path, None, "settings file not found")
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_loader())  # noqa: S506
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(
            path, None, f"not valid YAML{where}: {getattr(e, 'problem', e)}"
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(path, None, "not a UTF-8 text file") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(path, None, "expected a mapping of settings (key: value lines)")
    return _validate(raw, file=path, base=path.parent)


def _loader():
    """A SafeLoader that leaves dates as text, so a bad date gets a clear message."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.yaml_implicit_resolvers = {
        ch: [(tag, rx) for tag, rx in res if tag != "tag:yaml.org,2002:timestamp"]
        for ch, res in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return Loader


# ---------------------------------------------------------------------- validation


def _validate(raw: Mapping[str, Any], *, file: Path | None, base: Path) -> CourseConfig:
    """Check every setting of a course.yml mapping; the first problem raises ConfigError."""

    def fail(key: str | None, msg: str) -> ConfigError:
        return ConfigError(file, key, msg)

    _check_keys(raw, fail)
    title = raw["title"]
    if not isinstance(title, str):
        raise fail("title", "expected text")
    stub = raw["stub"]
    if not isinstance(stub, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", stub):
        raise fail("stub", f"expected a file prefix such as 'learn-to-code-12', got {stub!r}")

    data_raw = raw.get("data", ".")
    if not isinstance(data_raw, str):
        raise fail("data", "expected a folder path")
    data = Path(data_raw).expanduser()
    if not data.is_absolute():
        data = (base / data).resolve()

    weeks = raw["weeks"]
    if isinstance(weeks, bool) or not isinstance(weeks, int) or weeks < 1:
        raise fail("weeks", f"expected a positive whole number of study weeks, got {weeks!r}")

    start, registration_open, notable = _dates(raw, weeks, fail)
    ex = _parse_steps(raw.get("exercise_steps"), weeks, fail, "exercise_steps")
    so = _parse_steps(raw.get("social_steps"), weeks, fail, "social_steps")

    gap = raw.get("session_gap_minutes", 65)
    if isinstance(gap, bool) or not isinstance(gap, (int, float)) or gap <= 0:
        raise fail("session_gap_minutes", f"expected a positive number of minutes, got {gap!r}")

    tz = raw.get("timezone", "UTC") or "UTC"
    try:
        pd.Timestamp("2024-01-01", tz=tz)
    except Exception:
        raise fail(
            "timezone", f"expected a time zone name such as 'Europe/London', got {tz!r}"
        ) from None

    skip_bad = _flag(raw, "notebook_skip_bad_records", fail)
    show = _flag(raw, "show_comment_text", fail)
    previous_runs = _previous_runs(raw, base, fail)
    as_of = _as_of(raw, fail)
    notebooks = _notebook_steps(raw, weeks, fail)

    user_env = raw.get("notebook_user_env") or "JUPYTERHUB_USER"
    if not isinstance(user_env, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", user_env):
        raise fail("notebook_user_env", f"expected an environment variable name, got {user_env!r}")

    step_minutes = _step_minutes(raw, weeks, fail)
    return CourseConfig(
        step_minutes=step_minutes,
        previous_runs=tuple(previous_runs),
        as_of=as_of,
        notebook_logs=_path(raw, "notebook_logs", base, fail),
        notebooks=notebooks,
        notebook_user_env=user_env,
        notebook_user_map=_path(raw, "notebook_user_map", base, fail),
        notebook_skip_bad_records=skip_bad,
        title=title,
        data=str(data),
        stub=stub,
        start=start,
        weeks=weeks,
        registration_open=registration_open,
        notable_dates=notable,
        exercise_steps=ex,
        social_steps=so,
        session_gap_minutes=gap,
        timezone=tz,
        show_comment_text=show,
        source=str(file) if file else None,
    )


def _check_keys(raw: Mapping[str, Any], fail) -> None:
    """No unknown setting (with the closest known name as a hint), no required one missing."""
    for key in raw:
        if key not in _KEYS:
            close = difflib.get_close_matches(str(key), _KEYS, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; known keys: {', '.join(_KEYS)}"
            raise fail(str(key), "unknown setting" + hint)
    for key in _REQUIRED:
        if raw.get(key) in (None, ""):
            raise fail(key, "is required")


def _dates(
    raw: Mapping[str, Any], weeks: int, fail
) -> tuple[dt.date, dt.date | None, dict[str, dt.date]]:
    """The start, the registration opening and the notable dates (which may be named
    relative to the others: "start", "end", "registration open", "week N", or an
    earlier notable date)."""
    start = _parse_date(raw["start"], fail, "start")
    reg = raw.get("registration_open")
    registration_open = (
        _parse_date(reg, fail, "registration_open") if reg not in (None, "") else None
    )
    if registration_open and registration_open > start:
        raise fail("registration_open", f"is after the start date {start.isoformat()}")

    base_names: dict[str, dt.date] = {"start": start, "end": start + dt.timedelta(weeks=weeks)}
    if registration_open:
        base_names["registration open"] = registration_open
    for i in range(weeks):
        base_names[f"week {i + 1}"] = start + dt.timedelta(weeks=i)

    notable: dict[str, dt.date] = {}
    for name, value in _mapping(raw, "notable_dates", fail, "name: date").items():
        names = {**base_names, **notable}
        notable[str(name)] = _resolve_date(value, names, fail, f"notable_dates.{name}")
    return start, registration_open, notable


def _mapping(raw: Mapping[str, Any], key: str, fail, what: str) -> Mapping:
    """A mapping setting (default empty); ``what`` names its keys and values."""
    value = raw.get(key) or {}
    if not isinstance(value, Mapping):
        raise fail(key, f"expected a mapping of {what}")
    return value


def _flag(raw: Mapping[str, Any], key: str, fail) -> bool:
    """A true/false setting (default false)."""
    value = raw.get(key, False)
    if not isinstance(value, bool):
        raise fail(key, f"expected true or false, got {value!r}")
    return value


def _path(raw: Mapping[str, Any], key: str, base: Path, fail) -> str:
    """A file or folder setting, absolute (relative to ``base``); ``""`` when not set."""
    value = raw.get(key) or ""
    if not isinstance(value, str):
        raise fail(key, "expected a file or folder path")
    if not value:
        return ""
    p = Path(value).expanduser()
    return str(p if p.is_absolute() else (base / p).resolve())


def _previous_runs(raw: Mapping[str, Any], base: Path, fail) -> list[str]:
    """The course.yml paths of earlier runs (a folder stands for its course.yml)."""
    runs = raw.get("previous_runs") or []
    if isinstance(runs, str):
        runs = [runs]
    if not isinstance(runs, (list, tuple)) or not all(isinstance(r, str) for r in runs):
        raise fail("previous_runs", "expected a list of course.yml paths of earlier runs")
    previous_runs = []
    for r in runs:
        p = Path(r).expanduser()
        p = p if p.is_absolute() else (base / p).resolve()
        if p.is_dir():
            p = p / "course.yml"
        previous_runs.append(str(p))
    return previous_runs


def parse_moment(value: Any) -> pd.Timestamp:
    """A moment written as a date or a date and time (UTC unless it names its zone).

    The ``as_of`` setting and ``flbook predict --as-of`` read their moment with it.

    Parameters
    ----------
    value : ``"2024-02-14"``, ``"2024-02-14 12:00"``, ``"2024-02-14T12:00:00+01:00"``,
        a datetime...

    Returns
    -------
    Timestamp
        as written: naive (read as UTC) or with its time zone.

    Raises
    ------
    ValueError
        when ``value`` is not a moment (``NaT`` included), saying what was expected.

    Examples
    --------
    >>> parse_moment("2024-02-14 12:00")
    Timestamp('2024-02-14 12:00:00')
    >>> parse_moment("soon")
    Traceback (most recent call last):
    ...
    ValueError: expected a date or 'YYYY-MM-DD HH:MM:SS' (UTC), got 'soon'
    """
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        ts = pd.NaT
    if ts is pd.NaT:
        raise ValueError(f"expected a date or 'YYYY-MM-DD HH:MM:SS' (UTC), got {value!r}")
    return ts


def _as_of(raw: Mapping[str, Any], fail) -> dt.datetime | None:
    """The moment the data stand for (naive UTC), or None."""
    as_of_raw = raw.get("as_of") or None
    if as_of_raw is None:
        return None
    try:
        ts = parse_moment(as_of_raw)
    except ValueError as e:
        raise fail("as_of", str(e)) from None
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return ts.to_pydatetime()


def _notebook_steps(raw: Mapping[str, Any], weeks: int, fail) -> dict[str, str]:
    """The ``notebooks`` setting: notebook path → its "W.S" step."""
    notebooks = {}
    for nb_path, step in _mapping(raw, "notebooks", fail, 'notebook path: "W.S" step').items():
        parsed = _parse_steps([step], weeks, fail, f"notebooks.{nb_path}")
        notebooks[str(nb_path)] = parsed[0]
    return notebooks


def _step_minutes(raw: Mapping[str, Any], weeks: int, fail) -> dict[str, float]:
    """The ``step_minutes`` setting: "W.S" step (or ``default``) → minutes."""
    step_minutes = {}
    entries = _mapping(raw, "step_minutes", fail, '"W.S" step (or default): minutes')
    for key, minutes in entries.items():
        name = "default" if str(key) == "default" else None
        if name is None:
            name = _parse_steps([key], weeks, fail, f"step_minutes.{key}")[0]
        if isinstance(minutes, bool) or not isinstance(minutes, (int, float)) or minutes <= 0:
            raise fail(
                f"step_minutes.{key}", f"expected a positive number of minutes, got {minutes!r}"
            )
        step_minutes[name] = float(minutes)
    return step_minutes


def _parse_date(value: Any, fail, key: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise fail(key, f"expected a date written YYYY-MM-DD, got {value!r}")


def _resolve_date(value: Any, names: Mapping[str, dt.date], fail, key: str) -> dt.date:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.date() if isinstance(value, dt.datetime) else value
    if not isinstance(value, str):
        raise _err(
            fail, key, f"expected a date (YYYY-MM-DD) or e.g. '5 days before start', got {value!r}"
        )
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        pass
    m = _RELATIVE.match(value)
    lowered = {k.lower(): v for k, v in names.items()}
    if m:
        n, unit, direction, name = m.groups()
        anchor = lowered.get(name.strip().lower())
        if anchor is not None:
            if n is None:
                return anchor
            delta = dt.timedelta(days=int(n) * (7 if unit.lower().startswith("week") else 1))
            return anchor - delta if direction.lower() == "before" else anchor + delta
    known = ", ".join(repr(k) for k in names)
    raise _err(
        fail,
        key,
        f"cannot read {value!r} as a date: write YYYY-MM-DD, a name ({known}) "
        "or 'N days before|after NAME'",
    )


def _err(fail, key, msg):
    return fail(key, msg) if fail else ConfigError(None, key, msg)


def _parse_steps(value: Any, weeks: int, fail, key: str) -> tuple[str, ...]:
    if value in (None, ""):
        return ()
    if isinstance(value, (str, float, int)):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise fail(key, 'expected a list of steps such as ["1.5", "2.10"]')
    out = []
    for item in value:
        if isinstance(item, float):
            raise fail(
                key,
                f'step {item!r} was read as a number: write steps in quotes, e.g. "1.10" '
                "(unquoted, 1.10 and 1.1 are the same number)",
            )
        m = _STEP.match(str(item).strip())
        if not m:
            raise fail(key, f'expected steps written "W.S" (week.step, e.g. "1.10"), got {item!r}')
        w, s = int(m.group(1)), int(m.group(2))
        if not 1 <= w <= weeks:
            raise fail(key, f"step {item!r} is in week {w}, but the course has {weeks} week(s)")
        if s < 1:
            raise fail(key, f"step {item!r}: step numbers start at 1")
        out.append(f"{w}.{s}")
    return tuple(dict.fromkeys(out))


_PARAMETER_DOCS = {
    "title": ("str", "course title, shown on the cover"),
    "data": ("str", "folder holding the export CSVs"),
    "stub": ("str", "file prefix: the exports are {stub}_{dataset}.csv"),
    "start": ("str", "ISO date of the first day of study week 1"),
    "weeks": ("int", "number of study weeks"),
    "registration_open": ("str", "ISO date enrolment opened; empty: unknown"),
    "notable_dates": ("dict", "name -> ISO date, marked on time charts"),
    "exercise_steps": ("list", "exercise steps, written W.S"),
    "social_steps": ("list", "discussion steps, written W.S"),
    "session_gap_minutes": (
        "float",
        "a longer pause between step events starts a new study session",
    ),
    "timezone": ("str", "time zone for hour-of-day and day-of-week charts"),
    "show_comment_text": ("bool", "whether chapters may quote comment text (escaped)"),
    "previous_runs": (
        "list",
        "course.yml files of earlier runs of this course, used by predictions",
    ),
    "as_of": (
        "str",
        "moment of prediction as YYYY-MM-DD HH:MM:SS in UTC; empty: the end of the data",
    ),
    "notebook_logs": ("str", "Jupyter event-log file or folder; empty: none"),
    "notebooks": ("dict", "course notebook path -> the step W.S it belongs to"),
    "notebook_user_env": ("str", "variable in the logs naming the learner"),
    "notebook_user_map": ("str", "CSV linking notebook users to learner ids; empty: none"),
    "notebook_skip_bad_records": (
        "bool",
        "skip and count unreadable notebook-log records instead of stopping",
    ),
    "step_minutes": ("dict", "designed minutes per step W.S (key default: other steps)"),
}


def parameters_cell(config: CourseConfig | None = None, *, data: str = "../data_stub") -> str:
    """Source of a chapter's ``parameters`` cell: every parameter typed and commented.

    Defaults come from ``config`` (default: the bundled course), with ``data`` written
    relative to the ``chapters/`` folder so the notebook runs as it stands.
    """
    config = config or load_config(DEFAULT_COURSE)
    values = config.to_parameters()
    values["data"] = data
    root = Path(config.data)
    for key in ("notebook_logs", "notebook_user_map"):  # relative to chapters/, like data
        if values[key]:
            values[key] = _relative(values[key], root, data)
    values["previous_runs"] = [_relative(r, root, data) for r in values["previous_runs"]]
    lines = [
        "# Course settings: papermill replaces these with the settings of the course being rendered.",
        "# fmt: off",  # one line per parameter: papermill reads each line's comment as its help
    ]
    for name in PARAMETERS:
        typ, doc = _PARAMETER_DOCS[name]
        value = values[name]
        if typ == "float":
            value = float(value)
        text = repr(value) if isinstance(value, (bool, int, float)) else json.dumps(value)
        lines.append(f"{name}: {typ} = {text}  # {doc}")
    return "\n".join(lines)


def _relative(path: str, root: Path, data: str) -> str:
    """``path`` (absolute, under the data folder ``root``) rewritten relative to ``data``."""
    try:
        return str(Path(data) / Path(path).relative_to(root))
    except ValueError:
        return path
