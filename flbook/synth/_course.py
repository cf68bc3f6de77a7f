"""Synthetic FutureLearn course-run exports in the real file format.

:func:`make_course` writes one CSV per export dataset (``{stub}_{dataset}.csv``) plus a
``course.yml`` describing the run; :func:`make_awkward_course` writes a small course that
exercises the edge cases readers and chapters must survive (old column versions, a
header-only file, a missing file, one week, no unenrolments, a run number above 9).

Everything is vectorised (numpy for the simulation, pyarrow compute for formatting and
writing): 200,000 learners take well under a minute. The same arguments give
byte-identical files: every random draw comes from ``numpy.random.default_rng(seed)``
(one independent child stream per part of the simulation, so writing a subset of the
datasets does not change the ones that are written).

The simulation, in one paragraph: enrolments arrive in waves (registration opening, each
notable date, the days around the start date, a long tail); a quarter of learners never
visit a step, the rest are *casual* (steep drop-off) or *committed* learners who walk
the step list in order, skipping a few steps, in study sessions (consecutive steps 1-15
minutes apart, sessions more than 65 minutes apart, at a local evening, lunchtime,
morning or weekend time of their own time zone, never before a week opens).
Completions, full participation, statements, unenrolments, comments, quiz answers, peer
review, surveys and video statistics all derive from that activity.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..exports._schema import DATASETS as _SCHEMA

__all__ = ["DATASETS", "COLUMNS", "make_course", "make_awkward_course"]

#: Every export dataset, in the order files are written and counts are returned.
DATASETS: tuple[str, ...] = (
    "enrolments",
    "step-activity",
    "comments",
    "question-response",
    "peer-review-assignments",
    "peer-review-reviews",
    "leaving-survey-responses",
    "archetype-survey-responses",
    "weekly-sentiment-survey-responses",
    "video-stats",
    "team-members",
    "campaigns",
)

#: Column lists written for each dataset, by version (``"newest"`` and ``"oldest"``),
#: taken from the readers' schemas so the two can never disagree.
COLUMNS: dict[str, dict[str, list[str]]] = {
    name: {"newest": list(ds.columns), "oldest": list(list(ds.versions.values())[-1])}
    for name, ds in _SCHEMA.items()
}

# ----------------------------------------------------------------------------------------
# Banks of values
# ----------------------------------------------------------------------------------------

_DAY = 86_400
_HOUR = 3_600
_MIN = 60

# step kinds
_ARTICLE, _VIDEO, _DISCUSSION, _QUIZ, _EXERCISE, _PEER = range(6)

# time zones (minutes east of UTC), their weights and the countries found there
_TZ = np.array([-480, -300, 0, 60, 180, 330, 480, 600])
_TZ_P = np.array([0.05, 0.13, 0.30, 0.22, 0.05, 0.07, 0.10, 0.08])
_TZ_COUNTRIES = [
    ["US", "CA", "MX"],
    ["US", "CA", "CO", "JM"],
    ["GB", "GB", "GB", "IE", "PT", "GH"],
    ["DE", "FR", "ES", "IT", "NL", "NG", "PL"],
    ["KE", "SA", "TR"],
    ["IN", "IN", "LK"],
    ["CN", "SG", "MY", "PH", "HK"],
    ["AU", "AU", "NZ"],
]

# study habits: evening, weekend, lunchtime, early morning
_HABIT_P = np.array([0.55, 0.20, 0.12, 0.13])

_GENDERS = (["female", "male", "nonbinary", "other", "Unknown"], [0.52, 0.43, 0.01, 0.01, 0.03])
_AGES = (
    ["<18", "18-25", "26-35", "36-45", "46-55", "56-65", ">65", "Unknown"],
    [0.02, 0.17, 0.24, 0.19, 0.15, 0.12, 0.08, 0.03],
)
_EDUCATION = (
    [
        "less_than_secondary",
        "secondary",
        "tertiary",
        "apprenticeship",
        "professional",
        "university_degree",
        "university_masters",
        "university_doctorate",
        "Unknown",
    ],
    [0.02, 0.14, 0.10, 0.02, 0.08, 0.33, 0.22, 0.05, 0.04],
)
_EMPLOYMENT = (
    [
        "working_full_time",
        "working_part_time",
        "self_employed",
        "full_time_student",
        "looking_for_work",
        "not_working",
        "retired",
        "unemployed",
        "Unknown",
    ],
    [0.38, 0.11, 0.08, 0.14, 0.07, 0.04, 0.10, 0.04, 0.04],
)
_AREAS = (
    [
        "it_and_information_services",
        "teaching_and_education",
        "health_and_social_care",
        "finance",
        "engineering",
        "science",
        "public_sector",
        "retail_and_sales",
        "marketing_advertising_and_pr",
        "creative_arts_and_culture",
        "Unknown",
    ],
    [0.16, 0.15, 0.11, 0.07, 0.08, 0.07, 0.06, 0.04, 0.05, 0.05, 0.16],
)

_FIRST_NAMES = ["Amira", "Ben", "Chloé", "Dmitri", "Eilidh", "Femi", "Grace", "Hiro", "Ines",
                "José", "Kate", "Liam", "Mei", "Noor", "Owen", "Priya", "Søren", "Zoë"]  # fmt: skip
_LAST_NAMES = ["Adeyemi", "Brown", "Chen", "Da Silva", "Evans", "Fischer", "García", "Hughes",
               "Ito", "Jones", "Kowalski", "Müller", "Nguyen", "O'Brien", "Patel", "Smith"]  # fmt: skip

_STEP_TITLES = [
    "Welcome to the course",
    "Meet the team",
    "What is data, anyway?",
    "Getting set up: notebooks, cells and kernels",
    "Reading a CSV file",
    "Tables, rows and columns",
    "Asking questions of data",
    "Cleaning up messy data",
    "Charts that tell a story",
    "Grouping and summarising",
    "Joining two datasets",
    "Working with dates & times",
    'What does "tidy" mean?',
    "Sharing your analysis",
    "Looking back, looking forward",
    "Interview: data in the newsroom",
]

# real video titles run to 50-100 characters: a step title and what the video does
_VIDEO_SUFFIXES = [
    "a walk-through with the lead educator, one step at a time",
    "an interview with a data analyst who uses it every day at work",
    "a short demonstration in a notebook",
    "worked example with a public dataset, from a question to an answer",
    "why it matters, and the mistakes beginners make most often",
    "what to do when it goes wrong",
]

_TOPLEVEL = [
    "Hi everyone, I'm looking forward to this course.",
    "I work in a library and want to use data to plan our opening hours.",
    "This step made me realise how much I rely on spreadsheets.",
    "Does anyone else find the notebook interface confusing at first?",
    "I tried the exercise with my own data, and it worked!",
    "Great explanation, thank you.",
    "I'm not sure I understood the difference between a row and a record.",
    "Hello from Lisbon. Retired engineer, curious about Python.",
    "The video was clear but a bit fast for me.",
    "I got an error message when I ran the second cell, any ideas?",
    'My manager keeps saying "data-driven", now I know what it means.',
    "Week one done. Harder than I expected, but fun.",
    "Could someone explain what a kernel is, in plain words?",
    "I like that the examples use real open data.",
    "Bonjour à tous ! Très intéressant, merci.",
    "Das war überraschend einfach. Danke!",
    "我觉得这一步很有用。",
    "Loving this 🎉 so much to learn 📊",
    "I used pandas before but never understood groupby properly.",
    "Is there a transcript for the video? I study on the train.",
    "Tables, charts, maps: which one should I use when?",
    "Total beginner here, slightly nervous about the coding.",
]
_REPLIES = [
    "Thanks, that helped!",
    "I agree, the second example was the clearest.",
    "Same here, I had to watch it twice.",
    "Try restarting the kernel, that fixed it for me.",
    "Good point, I hadn't thought of that.",
    "Welcome! Where are you based?",
    "Have a look at the glossary at the end of the week.",
    "Yes, and it gets easier with practice.",
    "Merci, c'est exactement ça.",
    "👍 thanks",
    'I think "record" is just another word for row here.',
    "You're not alone, it took me a while too.",
]
_EDUCATOR = [
    "Thanks for sharing, this is a great example.",
    "Good question: we cover this in detail in week 2.",
    "Well spotted, we've fixed the typo in the notebook.",
    "Welcome to the course, everyone!",
    "Lovely to see so many of you from around the world.",
    "Try the hint in the step below, and let us know how you get on.",
]
# fragments that later chapters must never print unescaped or mangle
_SPICE = [
    "",
    "<script>alert('x')</script>",
    "I think <b>bold</b> claims need evidence.",
    "Fish &amp; chips, then analysis.",
    "Is 5 < 6 & 7 > 3? Yes, in Python too.",
    'He said "it depends", as usual.',
    "Cheers, Zoë",
    "Ça marche, naïve café résumé, Grüße aus München.",
    "数据分析很有趣！",
    "P.S. see step 1.10, it explains this.",
]
_CANARY = (
    "Testing, testing: <script>alert('x')</script> & <b>bold</b> &amp; \"quotes\",\n"
    "a second line, ünïcödé, 中文 and an emoji 🙂"
)
_SEPS = ["", " ", "\n", "\n\n"]

_REPORT_REASONS = ["spam", "inappropriate", "abusive", "off_topic"]

_LEAVING_REASONS = (
    [
        "I don\u2019t have enough time",  # real exports use U+2019, not '
        "The course required more time than I realised",
        "The course wasn\u2019t what I expected",
        "The course was too hard",
        "The course was too easy",
        "The course won\u2019t help me reach my goals",
        "I prefer not to say",
        "Other",
    ],
    [0.30, 0.14, 0.12, 0.07, 0.04, 0.05, 0.18, 0.10],
)
_ARCHETYPES = (
    ["Advancers", "Explorers", "Fixers", "Flourishers", "Hobbyists", "Preparers", "Vitalisers",
     "Other"],
    [0.20, 0.18, 0.07, 0.15, 0.10, 0.17, 0.08, 0.05],
)  # fmt: skip
_SENTIMENT_REASONS = {
    1: ["Too difficult this week", "The code didn't run for me", "Too much reading, not enough doing",
        "I felt lost, sorry", "Videos too fast"],
    2: ["OK, but the quiz was confusing", "Some steps were long", "Fine", "Good content, but I ran out of time",
        "Mixed: loved the videos, hated the setup"],
    3: ["Really enjoyed it!", "Clear, practical and fun", "Great examples, thank you",
        "Best week so far 🎉", "The exercise was excellent", "Très bien"],
}  # fmt: skip
_FEEDBACK = [
    "Clear structure, and the chart answers the question.",
    "I liked your choice of data, but explain the axes.",
    "Well done! Maybe add a sentence on what you'd do next.",
    "The code is tidy; a comment or two would help readers.",
    'Good work, though "average" should say which average.',
    "Very thorough, thank you for sharing.",
    "I'd have used a bar chart here, but this works too.",
]
_ASSIGNMENT = [
    "I looked at bus punctuality in my town.",
    "My question: do libraries lend more books in winter?",
    "I analysed our club's membership list, anonymised of course.",
    "The data came from the national statistics office.",
    "The chart shows a clear dip in August, which surprised me.",
    "Next time I'd clean the dates first, that took ages.",
    "Daten aus Österreich, Ergebnisse überraschend.",
]
_CAMPAIGNS = [
    ("newsletter", "spring_launch", "email", "", "header_link", "mail.example.ac.uk"),
    ("facebook", "spring_launch", "social", "", "video_ad", "facebook.com"),
    ("twitter", "course_announce", "social", "", "", "t.co"),
    ("linkedin", "course_announce", "social", "", "sponsored", "www.linkedin.com"),
    ("google", "learn_to_code", "cpc", "learn python free", "", "www.google.com"),
    ("partner_site", "course_page", "referral", "", "", "www.example.ac.uk"),
    ("futurelearn", "weekly_digest", "email", "", "digest_slot_2", "www.futurelearn.com"),
    ("bing", "learn_to_code", "cpc", "data analysis course", "", "www.bing.com"),
]


def _escape_bank(values: Sequence[str]) -> pa.Array:
    """The bank as a CSV-ready (quoted where needed) pyarrow string array."""
    out = []
    for v in values:
        if any(c in v for c in ',"\n\r'):
            v = '"' + v.replace('"', '""') + '"'
        out.append(v)
    return pa.array(out, type=pa.string())


def escape_text(arr: pa.Array) -> pa.Array:
    """Quote the CSV cells that need it (comma, double quote, CR or LF), vectorised."""
    arr = pc.cast(arr, pa.string())
    need = pc.fill_null(pc.match_substring_regex(arr, r'[",\r\n]'), False)
    if not pc.any(need).as_py():
        return arr
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(arr, '"', '""'), '"', "")
    return pc.if_else(need, quoted, arr)


# ----------------------------------------------------------------------------------------
# Formatting helpers (numpy -> CSV-ready pyarrow strings)
# ----------------------------------------------------------------------------------------

_DIGITS = np.frombuffer(b"0123456789", dtype=np.uint8)


def _put(buf: np.ndarray, col: int, value: np.ndarray, width: int) -> None:
    for k in range(width - 1, -1, -1):
        buf[:, col + k] = _DIGITS[value % 10]
        value = value // 10


def _ts(seconds: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Format epoch seconds as ``YYYY-MM-DD HH:MM:SS UTC``; invalid rows become empty cells."""
    seconds = np.asarray(seconds, dtype=np.int64)
    n = len(seconds)
    if valid is None:
        valid = np.ones(n, dtype=bool)
    s = seconds[valid]
    days, sod = np.divmod(s, _DAY)
    # civil_from_days (H. Hinnant), vectorised
    z = days + 719_468
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    buf = np.empty((len(s), 23), dtype=np.uint8)
    buf[:] = np.frombuffer(b"0000-00-00 00:00:00 UTC", dtype=np.uint8)
    _put(buf, 0, year, 4)
    _put(buf, 5, month, 2)
    _put(buf, 8, day, 2)
    _put(buf, 11, sod // _HOUR, 2)
    _put(buf, 14, (sod // _MIN) % 60, 2)
    _put(buf, 17, sod % 60, 2)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.where(valid, 23, 0), out=offsets[1:])
    return pa.LargeStringArray.from_buffers(
        n, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(buf).reshape(-1))
    ).cast(pa.string())


def _int(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    values = np.asarray(values, dtype=np.int64)
    mask = None if valid is None else ~np.asarray(valid, dtype=bool)
    return pc.cast(pa.array(values, mask=mask), pa.string())


def _float(values: np.ndarray, decimals: int = 2) -> pa.Array:
    return pa.array([f"{v:.{decimals}f}" for v in np.asarray(values, dtype=float)], pa.string())


def _bool(flags: np.ndarray) -> pa.Array:
    return pc.take(pa.array(["false", "true"]), pa.array(np.asarray(flags, dtype=np.int8)))


def _take(bank: pa.Array, idx: np.ndarray) -> pa.Array:
    return pc.take(bank, pa.array(np.asarray(idx, dtype=np.int64)))


def _uuids(rng: np.random.Generator, n: int) -> pa.Array:
    """``n`` distinct uuid4-style ids (``8-4-4-4-12`` lower-case hex), as a string array."""
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    hexd = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    chars = np.empty((n, 32), dtype=np.uint8)
    chars[:, 0::2] = hexd[raw >> 4]
    chars[:, 1::2] = hexd[raw & 15]
    out = np.full((n, 36), ord("-"), dtype=np.uint8)
    for a, b, c in ((0, 8, 0), (9, 13, 8), (14, 18, 12), (19, 23, 16), (24, 36, 20)):
        out[:, a:b] = chars[:, c : c + (b - a)]
    offsets = np.arange(0, 36 * (n + 1), 36, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(out.reshape(-1)))


def write_csv(path: Path, header: Sequence[str], columns: dict[str, pa.Array] | None) -> int:
    """Write a CSV (``\\n`` line ends, UTF-8) from CSV-ready string columns; return data rows.

    ``columns`` must hold every name of ``header`` (values already quoted where needed;
    nulls and empty strings become empty cells). ``None`` writes a header-only file.
    """
    chunk = 1_000_000
    with open(path, "wb") as f:
        f.write((",".join(header) + "\n").encode("utf-8"))
        if not columns:
            return 0
        # an all-empty column can arrive typed as null: make every column a string column
        cols = [
            c.cast(pa.string()) if pa.types.is_null(c.type) else c
            for c in (columns[name] for name in header)
        ]
        n = len(cols[0])
        for lo in range(0, n, chunk):
            parts = [c.slice(lo, chunk) for c in cols]
            line = pc.binary_join_element_wise(
                *parts, ",", null_handling="replace", null_replacement=""
            )
            line = pc.binary_join_element_wise(line, "", "\n")
            if isinstance(line, pa.ChunkedArray):
                line = line.combine_chunks()
            line = line.cast(pa.large_string())
            _, off_buf, data_buf = line.buffers()
            offs = np.frombuffer(off_buf, dtype=np.int64)[line.offset : line.offset + len(line) + 1]
            f.write(memoryview(data_buf)[offs[0] : offs[-1]])
        return n


# ----------------------------------------------------------------------------------------
# Vectorised group helpers (rows sorted by group)
# ----------------------------------------------------------------------------------------


def _firsts(keys: np.ndarray) -> np.ndarray:
    first = np.ones(len(keys), dtype=bool)
    first[1:] = keys[1:] != keys[:-1]
    return first


def _group_cumsum(values: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Inclusive cumulative sum restarting at every ``first`` row."""
    cs = np.cumsum(values)
    gid = np.cumsum(first) - 1
    start = np.flatnonzero(first)
    return cs - (cs[start] - values[start])[gid]


def _group_cummax(values: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Cumulative maximum restarting at every ``first`` row (integer values)."""
    if len(values) == 0:
        return values.copy()
    gid = np.cumsum(first) - 1
    lo = values.min()
    span = int(values.max() - lo) + 1
    shifted = (values - lo) + gid.astype(np.int64) * span
    return np.maximum.accumulate(shifted) - gid.astype(np.int64) * span + lo


def _choice(rng: np.random.Generator, bank: tuple[list[str], list[float]], n: int) -> np.ndarray:
    p = np.asarray(bank[1], dtype=float)
    return rng.choice(len(bank[0]), size=n, p=p / p.sum())


# ----------------------------------------------------------------------------------------
# The simulation
# ----------------------------------------------------------------------------------------


@dataclass
class _Steps:
    week: np.ndarray  # 1-based week of each step, in course order
    number: np.ndarray  # 1-based step number within its week
    kind: np.ndarray  # _ARTICLE, _VIDEO, ...
    labels: list[str]  # "W.S"

    @property
    def n(self) -> int:
        return len(self.week)

    def where(self, kind: int) -> np.ndarray:
        return np.flatnonzero(self.kind == kind)


def _structure(rng: np.random.Generator, weeks: int) -> _Steps:
    counts = rng.integers(8, 17, size=weeks)
    counts[0] = rng.integers(10, 17)  # so that "1.10" always exists
    week, number, kind = [], [], []
    peer_week = min(2, weeks)
    for w in range(1, weeks + 1):
        n = int(counts[w - 1])
        k = np.full(n, _ARTICLE)
        k[0] = _VIDEO
        k[n - 1] = _DISCUSSION
        if w == 1:
            k[1] = _DISCUSSION
        k[n - 2] = _QUIZ
        if rng.random() < 0.5:
            k[n // 2] = _QUIZ
        free = np.flatnonzero((k == _ARTICLE) & (np.arange(n) >= 2) & (np.arange(n) <= n - 3))
        k[rng.choice(free)] = _EXERCISE
        if w == peer_week:
            free = np.flatnonzero((k == _ARTICLE) & (np.arange(n) >= 2))
            k[rng.choice(free)] = _PEER
        free = np.flatnonzero(k == _ARTICLE)
        extra = rng.choice(free, size=min(len(free), int(rng.integers(0, 3))), replace=False)
        k[extra] = _VIDEO
        week.append(np.full(n, w))
        number.append(np.arange(1, n + 1))
        kind.append(k)
    week_a, number_a = np.concatenate(week), np.concatenate(number)
    labels = [f"{w}.{s}" for w, s in zip(week_a.tolist(), number_a.tolist(), strict=True)]
    return _Steps(week_a, number_a, np.concatenate(kind), labels)


@dataclass
class _People:
    n: int  # persons (one row each before re-enrolments)
    ids: pa.Array
    role: np.ndarray  # index into _ROLES
    enrolled: np.ndarray  # epoch seconds
    tz: np.ndarray  # minutes east of UTC
    habit: np.ndarray
    tz_group: np.ndarray
    team_idx: np.ndarray  # person index of each team member
    team_role: list[str]


_ROLES = ["learner", "educator", "moderator", "organisation_admin", "admin", "marketer"]


@dataclass
class _Activity:
    learner: np.ndarray  # person index of each visit row
    step: np.ndarray  # step index
    visited: np.ndarray  # epoch seconds
    completed: np.ndarray  # epoch seconds (valid where done)
    done: np.ndarray  # bool
    cls: np.ndarray  # per person: 0 never, 1 casual, 2 committed, -1 staff


@dataclass
class _Timeline:
    registration_open: dt.date
    start: dt.date
    notable: dict[str, dt.date]
    reg_ts: int
    start_ts: int
    end_ts: int  # end of the last study week
    export_ts: int  # the data snapshot: nothing happens at or after this


def _epoch(d: dt.date) -> int:
    return (d - dt.date(1970, 1, 1)).days * _DAY


def _people(rng: np.random.Generator, n: int, tl: _Timeline) -> _People:
    # --- when: waves of enrolment
    comp = rng.choice(6, size=n, p=[0.10, 0.09, 0.22, 0.35, 0.21, 0.03])
    notable_ts = _epoch(next(iter(tl.notable.values()))) if tl.notable else tl.reg_ts + 12 * _DAY
    raw = np.empty(n, dtype=np.float64)
    m = comp == 0
    raw[m] = tl.reg_ts + 9 * _HOUR + rng.exponential(1.5 * _DAY, m.sum())
    m = comp == 1
    raw[m] = notable_ts + 8 * _HOUR + rng.exponential(1.2 * _DAY, m.sum())
    m = comp == 2
    raw[m] = rng.uniform(tl.reg_ts, tl.start_ts, m.sum())
    m = comp == 3
    raw[m] = tl.start_ts + rng.normal(-0.5 * _DAY, 2.5 * _DAY, m.sum())
    m = comp == 4
    raw[m] = tl.start_ts + 2 * _DAY + rng.exponential(7 * _DAY, m.sum())
    m = comp == 5  # late-comers, weeks or months after the last study week
    raw[m] = rng.uniform(tl.end_ts, max(tl.end_ts + _DAY, tl.export_ts - 8 * _DAY), m.sum())
    tz_group = rng.choice(len(_TZ), size=n, p=_TZ_P)
    tz = _TZ[tz_group]
    # enrol at a local daytime hour of the drawn day
    local_day = np.floor((raw + tz * _MIN) / _DAY)
    hour = np.clip(rng.normal(14.5, 4.0, n), 0.0, 23.99)
    t = (local_day * _DAY + hour * _HOUR - tz * _MIN).astype(np.int64)
    t = np.clip(t, tl.reg_ts + _HOUR, tl.export_ts - 2 * _DAY)
    # --- who: a few staff
    n_staff = max(3, round(0.005 * n))
    n_team = int(min(n_staff, np.clip(3 + n // 25_000, 3, 12)))
    role = np.zeros(n, dtype=np.int64)
    staff = rng.choice(n, size=n_staff, replace=False)
    team_roles = ["lead_educator"] + [
        str(r)
        for r in rng.choice(["educator", "educator", "mentor", "mentor", "host"], size=n_team - 1)
    ]
    role[staff[:n_team]] = [2 if r == "mentor" else 1 for r in team_roles]
    # as in real exports, some of the team enrolled with the role learner (they try the
    # course, answer its quizzes): only team-members tells them apart
    role[staff[1 : 1 + max(1, n_team // 3)]] = 0
    role[staff[n_team:]] = rng.choice(
        [3, 1, 2, 4, 5], size=n_staff - n_team, p=[0.4, 0.2, 0.2, 0.1, 0.1]
    )
    t[staff] = tl.reg_ts - rng.integers(1 * _DAY, 14 * _DAY, size=n_staff)
    habit = rng.choice(4, size=n, p=_HABIT_P)
    # rows in enrolment order; the id is drawn once per person in that order
    order = np.argsort(t, kind="stable")
    inv = np.empty(n, dtype=np.int64)
    inv[order] = np.arange(n)
    return _People(
        n=n,
        ids=_uuids(rng, n),
        role=role[order],
        enrolled=t[order],
        tz=tz[order],
        habit=habit[order],
        tz_group=tz_group[order],
        team_idx=inv[staff[:n_team]],
        team_role=team_roles,
    )


def _local_tod(rng: np.random.Generator, habit: np.ndarray, weekend: np.ndarray) -> np.ndarray:
    """Seconds after local midnight at which a study session starts."""
    n = len(habit)
    h = np.empty(n)
    for k, (mu, sd) in enumerate(((20.0, 1.3), (14.0, 3.0), (12.75, 0.6), (6.75, 0.7))):
        m = habit == k
        h[m] = rng.normal(mu, sd, m.sum())
    we = weekend & (habit != 1)
    h[we] = rng.uniform(9.0, 21.0, we.sum())
    return (np.clip(h, 0.0, 23.75) * _HOUR).astype(np.int64)


def _activity(rng: np.random.Generator, steps: _Steps, ppl: _People, tl: _Timeline) -> _Activity:
    n, S = ppl.n, steps.n
    is_learner = ppl.role == 0
    cls = rng.choice(3, size=n, p=[0.25, 0.44, 0.31])
    cls[~is_learner] = -1
    # --- how far along the step list each visitor gets (per-step drop-off hazards)
    noise = rng.uniform(0.7, 1.4, S)
    wk1 = steps.week == 1
    boundary = np.r_[False, steps.week[1:] != steps.week[:-1]]
    hazards = {}
    for c, (h1, h2, hb) in {1: (0.14, 0.075, 0.08), 2: (0.014, 0.006, 0.03)}.items():
        h = np.where(wk1, h1, h2) * noise + np.where(boundary, hb, 0.0)
        h = h * np.where(steps.kind == _QUIZ, 1.4, 1.0)
        h[-1] = 1.0
        surv = np.r_[1.0, np.cumprod(1.0 - h[:-1])]
        hazards[c] = np.cumsum(surv * h)  # cdf of the last step reached (0-based)
    reach = np.zeros(n, dtype=np.int64)
    for c in (1, 2):
        m = cls == c
        reach[m] = np.searchsorted(hazards[c], rng.random(m.sum()) * hazards[c][-1], "right") + 1
    reach = np.minimum(reach, S)
    visitors = np.flatnonzero(cls > 0)
    counts = reach[visitors]
    learner = np.repeat(visitors, counts)
    first = np.zeros(len(learner), dtype=bool)
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    first[starts] = True
    step = np.arange(len(learner)) - np.repeat(starts, counts)
    last = np.zeros(len(learner), dtype=bool)
    last[starts + counts - 1] = True
    pvisit = np.array([0.0, 0.86, 0.95])[cls[learner]]
    keep = first | last | (rng.random(len(learner)) < pvisit)
    learner, step = learner[keep], step[keep]
    rows = len(learner)
    first = _firsts(learner)
    week = steps.week[step]
    rcls = cls[learner]
    # --- study sessions
    wchange = np.r_[False, week[1:] != week[:-1]] & ~first
    brk = (
        first
        | (wchange & (rng.random(rows) < 0.85))
        | (rng.random(rows) < np.where(rcls == 2, 0.2, 0.3))
    )
    sid = np.cumsum(brk) - 1
    s_row = np.flatnonzero(brk)
    s_learner = learner[s_row]
    s_week = week[s_row]
    s_first = first[s_row]
    ns = len(s_row)
    gap = np.where(rng.random(ns) < 0.12, 0, rng.geometric(0.42, ns))
    gap[s_first] = 0
    zero = (gap == 0) & ~s_first
    gap[zero & np.r_[False, zero[:-1]]] = 1
    tz = ppl.tz[s_learner]
    t0 = np.maximum(ppl.enrolled, tl.start_ts)
    first_day = np.floor_divide(t0 + ppl.tz * _MIN, _DAY)
    first_day = first_day + np.where(rng.random(n) < 0.55, 0, rng.geometric(0.35, n))
    D = first_day[s_learner] + _group_cumsum(gap, s_first)
    start_day = tl.start_ts // _DAY
    o = start_day + 7 * (s_week - 1)
    v = o - D
    v[s_first] = np.maximum(v[s_first], 0)
    day = D + _group_cummax(v, s_first)
    habit = ppl.habit[s_learner]
    dow = (day + 3) % 7  # Monday = 0
    shift = np.where((habit == 1) & (dow < 5), 5 - dow + (rng.random(ns) < 0.45), 0)
    day = day + shift
    weekend = (day + 3) % 7 >= 5
    t = day * _DAY + _local_tod(rng, habit, weekend) - tz * _MIN
    lower = tl.start_ts + 7 * _DAY * (s_week - 1) + rng.integers(_MIN, 40 * _MIN, ns)
    lower = np.where(
        s_first,
        np.maximum(lower, ppl.enrolled[s_learner] + rng.integers(_MIN, 30 * _MIN, ns)),
        lower,
    )
    # too early (before the week opens or the learner enrols): same local time, a later day
    t = t + np.maximum(0, -np.floor_divide(t - lower, _DAY)) * _DAY
    # within a session, consecutive steps 1-15 minutes apart
    step_gap = np.clip(rng.lognormal(np.log(240.0), 0.6, rows), 60, 900).astype(np.int64)
    step_gap[brk] = 0
    offs = _group_cumsum(step_gap, brk)
    nxt_gap = np.r_[step_gap[1:], 0]
    s_last_row = np.r_[s_row[1:] - 1, rows - 1] if rows else s_row
    is_last = np.zeros(rows, dtype=bool)
    is_last[s_last_row] = True
    cdelta = np.where(
        is_last,
        rng.integers(30, 600, rows),
        (rng.uniform(0.3, 0.9, rows) * nxt_gap).astype(np.int64),
    )
    dur = offs[s_last_row] + cdelta[s_last_row]
    c = dur + 66 * _MIN + rng.exponential(40 * _MIN, ns).astype(np.int64)
    C = _group_cumsum(c, s_first) - c  # exclusive
    s_start = C + _group_cummax(t - C, s_first)
    visited = s_start[sid] + offs
    completed = visited + cdelta
    pdone = np.array([0.0, 0.62, 0.9])[rcls]
    pdone = np.where(steps.kind[step] == _QUIZ, np.minimum(pdone + 0.08, 0.985), pdone)
    done = rng.random(rows) < pdone
    inside = visited < tl.export_ts
    done &= completed < tl.export_ts
    return _Activity(
        learner[inside], step[inside], visited[inside], completed[inside], done[inside], cls
    )


@dataclass
class _Outcomes:
    fully: np.ndarray
    fully_ok: np.ndarray
    purchased: np.ndarray
    purchased_ok: np.ndarray
    unenrolled: np.ndarray
    unenrolled_ok: np.ndarray
    last_done_row: np.ndarray  # per person: activity row of the last completion, -1 if none
    reenrol: np.ndarray  # person indices re-enrolled (a second row)
    reenrolled_at: np.ndarray


def _outcomes(
    rng: np.random.Generator,
    steps: _Steps,
    ppl: _People,
    act: _Activity,
    tl: _Timeline,
    unenrol: bool,
) -> _Outcomes:
    n = ppl.n
    # rows are in time order within each learner
    done_rows = np.flatnonzero(act.done)
    dl = act.learner[done_rows]
    n_done = np.bincount(dl, minlength=n)
    rank = _group_cumsum(np.ones(len(dl), dtype=np.int64), _firsts(dl)) if len(dl) else dl
    need = int(np.ceil(0.5 * steps.n))
    kth = np.zeros(n, dtype=np.int64)
    sel = rank == need
    kth[dl[sel]] = act.completed[done_rows[sel]]
    quiz = steps.kind[act.step[done_rows]] == _QUIZ
    n_quiz = np.bincount(dl[quiz], minlength=n)
    last_quiz = np.zeros(n, dtype=np.int64)
    np.maximum.at(last_quiz, dl[quiz], act.completed[done_rows[quiz]])
    fully_ok = (n_done >= need) & (n_quiz >= len(steps.where(_QUIZ)))
    fully = np.maximum(kth, last_quiz)
    # statements: a third of full participants, a few others
    purchased = np.zeros(n, dtype=np.int64)
    buy_full = fully_ok & (rng.random(n) < 0.36)
    purchased[buy_full] = fully[buy_full] + rng.exponential(3 * _DAY, buy_full.sum()).astype(
        np.int64
    )
    first_visit = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first_visit, act.learner, act.visited)
    buy_early = ~fully_ok & (act.cls > 0) & (first_visit < tl.export_ts) & (rng.random(n) < 0.012)
    purchased[buy_early] = first_visit[buy_early] + rng.exponential(
        5 * _DAY, buy_early.sum()
    ).astype(np.int64)
    purchased_ok = (buy_full | buy_early) & (purchased < tl.export_ts)
    # last event of each learner, last completion row
    last_event = np.zeros(n, dtype=np.int64)
    np.maximum.at(last_event, act.learner, np.where(act.done, act.completed, act.visited))
    last_done_row = np.full(n, -1, dtype=np.int64)
    if len(dl):
        last = np.r_[dl[1:] != dl[:-1], True]
        last_done_row[dl[last]] = done_rows[last]
    # unenrolments: early (never visited) and late (after the last activity)
    unenrolled = np.zeros(n, dtype=np.int64)
    unenrolled_ok = np.zeros(n, dtype=bool)
    reenrol = np.zeros(0, dtype=np.int64)
    reenrolled_at = np.zeros(0, dtype=np.int64)
    if unenrol:
        u = rng.random(n)
        early = (act.cls == 0) & (u < 0.26)
        before = ppl.enrolled < tl.start_ts
        span = np.where(before, tl.start_ts - ppl.enrolled, 0)
        unenrolled[early] = ppl.enrolled[early] + np.where(
            before[early],
            (rng.random(early.sum()) * span[early]).astype(np.int64),
            rng.exponential(3 * _DAY, early.sum()).astype(np.int64),
        )
        late = ((act.cls == 1) & (u < 0.11)) | ((act.cls == 2) & ~fully_ok & (u < 0.03))
        unenrolled[late] = last_event[late] + rng.integers(_DAY, 10 * _DAY, late.sum())
        unenrolled[early | late] = np.maximum(
            unenrolled[early | late], ppl.enrolled[early | late] + 600
        )
        unenrolled_ok = (early | late) & (unenrolled < tl.export_ts)
        # a few early leavers come back: a second enrolment row for the same learner
        cand = np.flatnonzero(early & unenrolled_ok)
        k = min(len(cand), n // 500)
        reenrol = np.sort(rng.choice(cand, size=k, replace=False)) if k else reenrol
        reenrolled_at = unenrolled[reenrol] + rng.integers(_HOUR, 10 * _DAY, len(reenrol))
        keep = reenrolled_at < tl.export_ts
        reenrol, reenrolled_at = reenrol[keep], reenrolled_at[keep]
    return _Outcomes(
        fully,
        fully_ok,
        purchased,
        purchased_ok,
        unenrolled,
        unenrolled_ok,
        last_done_row,
        reenrol,
        reenrolled_at,
    )


# ----------------------------------------------------------------------------------------
# Datasets
# ----------------------------------------------------------------------------------------


def _enrolments(rng, ppl: _People, out: _Outcomes) -> dict[str, pa.Array]:
    n = ppl.n
    profile = (rng.random(n) < 0.24) & (ppl.role == 0)

    def field(bank):
        idx = _choice(rng, bank, n)
        values = np.array(bank[0] + ["Unknown"], dtype=object)
        unknown = len(bank[0])
        idx = np.where(profile & (rng.random(n) > 0.04), idx, unknown)
        return values, idx

    cols = {}
    for name, bank in (
        ("gender", _GENDERS),
        ("age_range", _AGES),
        ("highest_education_level", _EDUCATION),
        ("employment_status", _EMPLOYMENT),
        ("employment_area", _AREAS),
    ):
        values, idx = field(bank)
        cols[name] = (values, idx)
    # countries from the learner's time zone region
    flat = [c for group in _TZ_COUNTRIES for c in group]
    group_off = np.cumsum([0] + [len(g) for g in _TZ_COUNTRIES])
    group_len = np.diff(group_off)
    cidx = group_off[ppl.tz_group] + (rng.random(n) * group_len[ppl.tz_group]).astype(np.int64)
    bank = np.array(flat + ["--", "Unknown"], dtype=object)
    detected = np.where(rng.random(n) < 0.05, len(flat), cidx)
    own = np.where(rng.random(n) < 0.9, cidx, rng.integers(0, len(flat), n))
    country = np.where(profile, own, len(flat) + 1)
    cols["detected_country"] = (bank, detected)
    cols["country"] = (bank, country)
    # rows: one per person, plus re-enrolments, in enrolled_at order
    rows = np.r_[np.arange(n), out.reenrol]
    second = np.r_[np.zeros(n, dtype=bool), np.ones(len(out.reenrol), dtype=bool)]
    enrolled = np.r_[ppl.enrolled, out.reenrolled_at]
    order = np.lexsort((rows, enrolled))
    rows, second, enrolled = rows[order], second[order], enrolled[order]
    # a re-enrolled learner (an early leaver, who never visited a step) has two rows: the
    # first keeps the unenrolment, the second is open
    unenrolled_ok = out.unenrolled_ok[rows] & ~second
    res = {
        "learner_id": _take(ppl.ids, rows),
        "enrolled_at": _ts(enrolled),
        "unenrolled_at": _ts(out.unenrolled[rows], unenrolled_ok),
        "role": _take(pa.array(_ROLES), ppl.role[rows]),
        "fully_participated_at": _ts(out.fully[rows], out.fully_ok[rows]),
        "purchased_statement_at": _ts(out.purchased[rows], out.purchased_ok[rows]),
    }
    for name, (values, idx) in cols.items():
        res[name] = _take(_escape_bank(list(values)), idx[rows])
    return res


def _step_activity(steps: _Steps, ppl: _People, act: _Activity) -> dict[str, pa.Array]:
    order = np.lexsort((act.step, act.visited))
    labels = pa.array(steps.labels)
    st = act.step[order]
    return {
        "learner_id": _take(ppl.ids, act.learner[order]),
        "step": _take(labels, st),
        "week_number": _int(steps.week[st]),
        "step_number": _int(steps.number[st]),
        "first_visited_at": _ts(act.visited[order]),
        "last_completed_at": _ts(act.completed[order], act.done[order]),
    }


def _compose(rng, n: int, first_bank: list[str], spice_p: float) -> pa.Array:
    """Free text: a sentence from ``first_bank``, maybe a second, maybe a 'spicy' fragment."""
    a_bank = pa.array(first_bank)
    b_bank = pa.array([""] + _TOPLEVEL + _REPLIES)
    c_bank = pa.array(_SPICE)
    sep_bank = pa.array(_SEPS)
    a = rng.integers(0, len(first_bank), n)
    b = np.where(rng.random(n) < 0.35, rng.integers(1, len(b_bank), n), 0)
    c = np.where(rng.random(n) < spice_p, rng.integers(1, len(_SPICE), n), 0)
    s1 = np.where(b > 0, rng.choice(np.arange(1, 4), size=n, p=[0.6, 0.25, 0.15]), 0)
    s2 = np.where(c > 0, rng.choice(np.arange(1, 4), size=n, p=[0.5, 0.3, 0.2]), 0)
    parts = [
        _take(a_bank, a),
        _take(sep_bank, s1),
        _take(b_bank, b),
        _take(sep_bank, s2),
        _take(c_bank, c),
    ]
    return pc.binary_join_element_wise(*parts, "")


def _comments(rng, steps: _Steps, ppl: _People, act: _Activity, tl: _Timeline):
    n = ppl.n
    social = _social_steps(steps)
    p_kind = np.array([0.05, 0.07, 0.14, 0.02, 0.12, 0.05])[steps.kind]
    p_kind[social] = 0.42
    soc = rng.lognormal(-0.32, 0.8, n)
    p = np.minimum(0.95, p_kind[act.step] * soc[act.learner])
    c1 = rng.random(len(p)) < p
    c2 = c1 & (rng.random(len(p)) < 0.15)
    rows = np.r_[np.flatnonzero(c1), np.flatnonzero(c2)]
    nl = len(rows)
    author = act.learner[rows]
    step = act.step[rows]
    ts = act.visited[rows] + np.where(
        np.arange(nl) < c1.sum(), rng.integers(60, 600, nl), rng.integers(600, 1800, nl)
    )
    # ~5% of comments by the course team, mostly on social steps, after a learner comment
    n_edu = round(nl * 0.053) if nl else 0
    if n_edu:
        w = np.where(np.isin(step, social), 4.0, 1.0)
        anchor = rng.choice(nl, size=n_edu, p=w / w.sum())
        team_w = np.where(np.array(ppl.team_role) == "lead_educator", 3.0, 1.0)
        e_author = ppl.team_idx[rng.choice(len(ppl.team_idx), size=n_edu, p=team_w / team_w.sum())]
        e_ts = ts[anchor] + 600 + rng.exponential(6 * _HOUR, n_edu).astype(np.int64)
        author = np.r_[author, e_author]
        step = np.r_[step, step[anchor]]
        ts = np.r_[ts, e_ts]
    is_edu = np.r_[np.zeros(nl, dtype=bool), np.ones(n_edu, dtype=bool)]
    keep = ts < tl.export_ts
    author, step, ts, is_edu = author[keep], step[keep], ts[keep], is_edu[keep]
    m = len(ts)
    # order within each step, make timestamps strictly increasing there
    order = np.lexsort((ts, step))
    author, step, ts, is_edu = author[order], step[order], ts[order], is_edu[order]
    first = _firsts(step)
    pos = _group_cumsum(np.ones(m, dtype=np.int64), first) - 1
    idx = np.arange(m)
    ts = _group_cummax(ts - idx, first) + idx
    # replies: to an earlier comment on the same step, mostly a recent one
    reply = (pos > 0) & (rng.random(m) < np.where(is_edu, 0.85, 0.33))
    back = np.floor(pos * rng.random(m) ** 2).astype(np.int64)
    parent = idx - 1 - back
    # global id order = time order
    gorder = np.lexsort((step, ts))
    ids = 41_000_000 + np.cumsum(rng.integers(1, 40, m))
    id_of = np.empty(m, dtype=np.int64)
    id_of[gorder] = ids
    parent_id = np.where(reply, id_of[np.maximum(parent, 0)], 0)
    # text
    text = _compose(rng, m, _TOPLEVEL, 0.06)
    text = pc.if_else(pa.array(reply & ~is_edu), _compose(rng, m, _REPLIES, 0.04), text)
    text = pc.if_else(pa.array(is_edu), _compose(rng, m, _EDUCATOR, 0.0), text)
    if m:
        canary = np.zeros(m, dtype=bool)
        canary[gorder[np.flatnonzero(~is_edu[gorder])[:1]]] = True
        text = pc.if_else(pa.array(canary), pa.scalar(_CANARY), text)
    text = escape_text(text)
    likes = np.where(rng.random(m) < 0.62, 0, rng.geometric(0.35, m))
    likes = likes + np.where(is_edu | (~reply & np.isin(step, social)), rng.poisson(1.0, m), 0)
    reported = rng.random(m) < 0.004
    rep_at = ts + rng.integers(_HOUR, 2 * _DAY, m)
    reported &= rep_at < tl.export_ts
    mod_at = rep_at + rng.integers(_HOUR, _DAY, m)
    moderated = reported & (mod_at < tl.export_ts)
    state = np.where(moderated, np.where(rng.random(m) < 0.6, 1, 2), 0)
    # write in id order
    g = gorder
    cols = {
        "id": _int(ids),
        "author_id": _take(ppl.ids, author[g]),
        "parent_id": _int(parent_id[g], reply[g]),
        "step": _take(pa.array(steps.labels), step[g]),
        "week_number": _int(steps.week[step[g]]),
        "step_number": _int(steps.number[step[g]]),
        "text": pc.take(text, pa.array(g)),
        "timestamp": _ts(ts[g]),
        "likes": _int(likes[g]),
        "first_reported_at": _ts(rep_at[g], reported[g]),
        "first_reported_reason": pa.array(
            np.array(_REPORT_REASONS, dtype=object)[rng.integers(0, 4, m)][g], mask=~reported[g]
        ),
        "moderation_state": _take(pa.array(["", "approved", "hidden"]), state[g]),
        "moderated": _ts(mod_at[g], moderated[g]),
    }
    return cols


def _social_steps(steps: _Steps) -> np.ndarray:
    return steps.where(_DISCUSSION)


def _join(options: list[int]) -> str:
    return ",".join(str(o) for o in sorted(options))


@dataclass
class _Question:
    step: int
    number: int
    kind: str  # "single", "multi", "cloze"
    p_first: float
    correct: str
    wrong: list[str]


def _questions(rng: np.random.Generator, steps: _Steps, cloze: bool) -> list[_Question]:
    qs: list[_Question] = []
    words = [("mean", ["average", "median", "mode", "Mean value"]), ("row", ["column", "cell", "record"]),
             ("groupby", ["group", "sort", "pivot"]), ("csv", ["excel", "json", "txt"])]  # fmt: skip
    for s in steps.where(_QUIZ).tolist():
        for q in range(1, int(rng.integers(3, 7)) + 1):
            u = rng.random()
            kind = "cloze" if (cloze and u < 0.1) else "multi" if u < 0.3 else "single"
            hard = rng.random() < 0.15
            p_first = rng.uniform(0.15, 0.35) if hard else rng.uniform(0.6, 0.93)
            n_opt = int(rng.integers(3, 6))
            if kind == "single":
                k = int(rng.integers(1, n_opt + 1))
                correct, wrong = str(k), [str(i) for i in range(1, n_opt + 1) if i != k]
            elif kind == "multi":
                picks = sorted(rng.choice(np.arange(1, n_opt + 1), size=2, replace=False).tolist())
                others = [i for i in range(1, n_opt + 1) if i not in picks]
                correct = _join(picks)
                wrong = [str(picks[0]), str(picks[1])]
                wrong += [_join([picks[0], o]) for o in others]
                wrong += [_join([*picks, others[0]])]
            else:
                correct, wrong = words[int(rng.integers(0, len(words)))]
            qs.append(_Question(s, q, kind, p_first, correct, list(wrong)))
    if qs and not any(q.p_first < 0.4 for q in qs):
        qs[min(1, len(qs) - 1)].p_first = 0.25  # at least one question most get wrong first
    return qs


def _question_response(
    rng, steps: _Steps, ppl: _People, act: _Activity, tl: _Timeline, versions: str
):
    qs = _questions(rng, steps, cloze=versions == "newest")
    if not qs:
        return None
    nq = len(qs)
    q_step = np.array([q.step for q in qs])
    q_num = np.array([q.number for q in qs])
    q_p = np.array([q.p_first for q in qs])
    q_type = np.array([q.kind == "cloze" for q in qs], dtype=np.int64)
    # per quiz step, the questions [off, off + count)
    per_step = np.zeros(steps.n, dtype=np.int64)
    np.add.at(per_step, q_step, 1)
    step_off = np.r_[0, np.cumsum(per_step)][:-1]
    rows = np.flatnonzero((steps.kind[act.step] == _QUIZ) & (rng.random(len(act.step)) < 0.93))
    cnt = per_step[act.step[rows]]
    r = np.repeat(rows, cnt)
    starts = np.r_[0, np.cumsum(cnt)[:-1]]
    qi = np.arange(len(r)) - np.repeat(starts, cnt)
    q = step_off[act.step[r]] + qi
    committed = act.cls[act.learner[r]] == 2
    p1 = np.clip(q_p[q] + np.where(committed, 0.05, -0.03), 0.02, 0.99)
    ok1 = rng.random(len(r)) < p1
    g, p2 = 0.18, 0.6
    qq = g + (1 - g) * p2
    rounds = rng.geometric(qq, len(r))
    gave_up = rng.random(len(r)) < g / qq
    extra = np.where(gave_up, rounds - 1, rounds)
    attempts = np.where(ok1, 1, np.minimum(1 + extra, 6))
    success = ok1 | (~gave_up & (1 + extra <= 6))
    a_r = np.repeat(np.arange(len(r)), attempts)
    a_starts = np.r_[0, np.cumsum(attempts)[:-1]]
    att = np.arange(len(a_r)) - np.repeat(a_starts, attempts)
    is_final = att == attempts[a_r] - 1
    correct = is_final & success[a_r]
    aq = q[a_r]
    submitted = (
        act.visited[r][a_r] + 30 + qi[a_r] * 100 + att * 30 + rng.integers(0, 20, len(a_r))
    ).astype(np.int64)
    keep = submitted < tl.export_ts
    # responses
    correct_bank = [q.correct for q in qs]
    wrong_flat = [w for q in qs for w in q.wrong]
    w_len = np.array([len(q.wrong) for q in qs])
    w_off = np.r_[0, np.cumsum(w_len)][:-1]
    widx = w_off[aq] + (rng.random(len(aq)) * w_len[aq]).astype(np.int64)
    bank = _escape_bank(correct_bank + wrong_flat)
    value = np.where(correct, aq, nq + widx)
    cloze_row = q_type[aq] == 1
    resp = _take(bank, value)
    sel = np.flatnonzero(keep)
    learner = act.learner[r][a_r][sel]
    order = np.lexsort((att[sel], aq[sel], submitted[sel]))
    sel = sel[order]
    learner = learner[order]
    aqs = aq[sel]
    empty = pa.scalar("", pa.string())
    resp_sel = pc.take(resp, pa.array(sel))
    cz = pa.array(cloze_row[sel])
    # as in real exports, some rows (about 1 in 60) have no learner id
    ids = _take(ppl.ids, learner)
    anonymous = pa.array(rng.random(len(learner)) < 1 / 60)
    ids = pc.if_else(anonymous, pa.scalar(None, ids.type), ids)
    return {
        "learner_id": ids,
        "quiz_question": _take(pa.array([f"{steps.labels[q.step]}.{q.number}" for q in qs]), aqs),
        "question_type": _take(pa.array(["MultipleChoice", "ClozeQuestion"]), q_type[aqs]),
        "week_number": _int(steps.week[q_step[aqs]]),
        "step_number": _int(steps.number[q_step[aqs]]),
        "question_number": _int(q_num[aqs]),
        "response": pc.if_else(cz, empty, resp_sel),
        "cloze_response": pc.if_else(cz, resp_sel, empty),
        "submitted_at": _ts(submitted[sel]),
        "correct": _bool(correct[sel]),
    }


def _peer_review(rng, steps: _Steps, ppl: _People, act: _Activity, tl: _Timeline):
    peer = steps.where(_PEER)
    if not len(peer):
        return None, None
    p = int(peer[0])
    rows = np.flatnonzero(act.step == p)
    committed = act.cls[act.learner[rows]] == 2
    sub = rows[rng.random(len(rows)) < np.where(committed, 0.6, 0.3)]
    first_viewed = act.visited[sub]
    submitted = first_viewed + rng.integers(15 * _MIN, 2 * _HOUR, len(sub))
    ok = submitted < tl.export_ts
    sub, first_viewed, submitted = sub[ok], first_viewed[ok], submitted[ok]
    order = np.argsort(submitted, kind="stable")
    sub, first_viewed, submitted = sub[order], first_viewed[order], submitted[order]
    na = len(sub)
    a_ids = 310_000 + np.cumsum(rng.integers(1, 9, na))
    author = act.learner[sub]
    # reviews: each submitter reviews 1-3 assignments submitted before the review
    reviewer_pos = np.flatnonzero(rng.random(na) < 0.85)
    nrev = rng.choice([1, 2, 3], size=len(reviewer_pos), p=[0.35, 0.4, 0.25])
    rp = np.repeat(reviewer_pos, nrev)
    k = np.arange(len(rp)) - np.repeat(np.r_[0, np.cumsum(nrev)[:-1]], nrev)
    created = (
        submitted[rp]
        + rng.integers(10 * _MIN, 3 * _DAY, len(rp))
        + k * rng.integers(5 * _MIN, 30 * _MIN, len(rp))
    )
    avail = np.searchsorted(submitted, created, "left")  # assignments submitted before
    others = avail - 1
    ok = (others >= 1) & (created < tl.export_ts)
    rp, created, others = rp[ok], created[ok], others[ok]
    pick = (rng.random(len(rp)) * others).astype(np.int64)
    pick = pick + (pick >= rp)
    key = rp.astype(np.int64) * (na + 1) + pick
    _, uniq = np.unique(key, return_index=True)
    uniq = np.sort(uniq)
    rp, created, pick = rp[uniq], created[uniq], pick[uniq]
    order = np.argsort(created, kind="stable")
    rp, created, pick = rp[order], created[order], pick[order]
    nr = len(rp)
    r_ids = 520_000 + np.cumsum(rng.integers(1, 9, nr))
    review_count = np.bincount(pick, minlength=na)
    label = steps.labels[p]
    wk, sn = int(steps.week[p]), int(steps.number[p])
    fb = _escape_bank(_FEEDBACK)

    def const(value: str, m: int) -> pa.Array:
        return pa.array(np.full(m, value, dtype=object), pa.string())

    assignments = {
        "id": _int(a_ids),
        "step": const(label, na),
        "week_number": const(str(wk), na),
        "step_number": const(str(sn), na),
        "author_id": _take(ppl.ids, author),
        "text": escape_text(_compose_assignment(rng, na)),
        "first_viewed_at": _ts(first_viewed),
        "submitted_at": _ts(submitted),
        "moderated": const("", na),
        "review_count": _int(review_count),
    }
    reviews = {
        "id": _int(r_ids),
        "step": const(label, nr),
        "week_number": const(str(wk), nr),
        "step_number": const(str(sn), nr),
        "reviewer_id": _take(ppl.ids, author[rp]),
        "assignment_id": _int(a_ids[pick]),
        "guideline_one_feedback": _take(fb, rng.integers(0, len(_FEEDBACK), nr)),
        "guideline_two_feedback": _take(fb, rng.integers(0, len(_FEEDBACK), nr)),
        "guideline_three_feedback": _take(fb, rng.integers(0, len(_FEEDBACK), nr)),
        "created_at": _ts(created),
    }
    return assignments, reviews


def _compose_assignment(rng, n: int) -> pa.Array:
    bank = pa.array(_ASSIGNMENT)
    first = rng.integers(0, len(_ASSIGNMENT), n)
    step = rng.integers(1, len(_ASSIGNMENT) // 2, n)  # three distinct sentences
    parts = []
    for k in range(3):
        parts.append(_take(bank, (first + k * step) % len(_ASSIGNMENT)))
        if k < 2:
            parts.append(_take(pa.array(_SEPS[1:]), rng.integers(0, 3, n)))
    return pc.binary_join_element_wise(*parts, "")


def _leaving(rng, steps: _Steps, ppl: _People, act: _Activity, out: _Outcomes):
    who = np.flatnonzero(out.unenrolled_ok & (ppl.role == 0) & (rng.random(ppl.n) < 0.42))
    order = np.argsort(out.unenrolled[who], kind="stable")
    who = who[order]
    m = len(who)
    reasons = _choice(rng, _LEAVING_REASONS, m)
    lr = out.last_done_row[who]
    has = lr >= 0
    st = act.step[np.maximum(lr, 0)] if len(act.step) else np.zeros(m, dtype=np.int64)
    return {
        "id": _int(2_000_000 + np.cumsum(rng.integers(1, 25, m))),
        "learner_id": _take(ppl.ids, who),
        "left_at": _ts(out.unenrolled[who]),
        "leaving_reason": _take(_escape_bank(_LEAVING_REASONS[0]), reasons),
        "last_completed_step_at": _ts(
            act.completed[np.maximum(lr, 0)] if len(act.step) else np.zeros(m), has
        ),
        "last_completed_step": pa.array(
            np.array(steps.labels, dtype=object)[st], mask=~has, type=pa.string()
        ),
        "last_completed_week_number": _int(steps.week[st], has),
        "last_completed_step_number": _int(steps.number[st], has),
    }


def _archetype(rng, ppl: _People, tl: _Timeline):
    who = np.flatnonzero((ppl.role == 0) & (rng.random(ppl.n) < 0.3))
    at = ppl.enrolled[who] + 120 + rng.exponential(1.5 * _DAY, len(who)).astype(np.int64)
    ok = at < tl.export_ts
    who, at = who[ok], at[ok]
    order = np.argsort(at, kind="stable")
    who, at = who[order], at[order]
    m = len(who)
    return {
        "id": _int(700_000 + np.cumsum(rng.integers(1, 12, m))),
        "learner_id": _take(ppl.ids, who),
        "responded_at": _ts(at),
        "archetype": _take(pa.array(_ARCHETYPES[0]), _choice(rng, _ARCHETYPES, m)),
    }


def _sentiment(rng, steps: _Steps, act: _Activity, tl: _Timeline, weeks: int):
    active_week = steps.week[act.step]
    hardest = int(rng.integers(1, weeks + 1))
    times, week_no, rating = [], [], []
    for w in range(1, weeks + 1):
        active = len(np.unique(act.learner[active_week == w]))
        k = int(rng.binomial(active, 0.1))
        p = [0.06, 0.22, 0.72] if w != hardest or weeks == 1 else [0.16, 0.36, 0.48]
        if w == 1 and weeks > 1:
            p = [0.05, 0.18, 0.77]
        t = tl.start_ts + 7 * _DAY * (w - 1) + rng.integers(2 * _DAY, 9 * _DAY, k)
        times.append(t)
        week_no.append(np.full(k, w))
        rating.append(rng.choice([1, 2, 3], size=k, p=p))
    t, wk, rt = np.concatenate(times), np.concatenate(week_no), np.concatenate(rating)
    ok = t < tl.export_ts
    t, wk, rt = t[ok], wk[ok], rt[ok]
    order = np.argsort(t, kind="stable")
    t, wk, rt = t[order], wk[order], rt[order]
    m = len(t)
    flat, off = [], {}
    for r in (1, 2, 3):
        off[r] = len(flat)
        flat += _SENTIMENT_REASONS[r]
    flat.append("")
    lens = np.array(
        [0, len(_SENTIMENT_REASONS[1]), len(_SENTIMENT_REASONS[2]), len(_SENTIMENT_REASONS[3])]
    )
    offs = np.array([0, off[1], off[2], off[3]])
    idx = offs[rt] + (rng.random(m) * lens[rt]).astype(np.int64)
    idx = np.where(rng.random(m) < 0.22, len(flat) - 1, idx)
    return {
        "id": _int(900_000 + np.cumsum(rng.integers(1, 6, m))),
        "responded_at": _ts(t),
        "week_number": _int(wk),
        "experience_rating": _int(rt),
        "reason": _take(_escape_bank(flat), idx),
    }


def _video_stats(rng, steps: _Steps, act: _Activity):
    vids = steps.where(_VIDEO)
    visitors = np.bincount(act.step, minlength=steps.n)[vids]
    m = len(vids)
    duration = rng.integers(90, 720, m)
    views = np.round(visitors * rng.uniform(1.1, 1.5, m)).astype(np.int64)
    # retention: percentage of views reaching each point, falling faster for long videos
    marks = np.array([5, 10, 25, 50, 75, 95, 100])
    decay = rng.uniform(0.25, 0.55, m) * (duration / 400.0) ** 0.5
    ret = 100 * np.exp(-decay[:, None] * marks[None, :] / 100.0)
    ret[:, 0] = rng.uniform(90, 98, m)
    ret[:, 1:] -= rng.uniform(0, 3, (m, 6)) + 2
    ret[:, -1] -= rng.uniform(2, 6, m)
    ret = np.clip(np.minimum.accumulate(ret, axis=1), 0, 100)

    def shares(alpha: list[float], zero_last: bool = False) -> np.ndarray:
        s = rng.dirichlet(alpha, size=m) * 100
        s = np.round(s, 2)
        if zero_last:
            s[:, -1] = 0.0
        big = np.argmax(s, axis=1)
        s[np.arange(m), big] += np.round(100 - s.sum(axis=1), 2)
        return s

    dev = shares([0.3, 60, 25, 1, 12, 2])
    reg = shares([45, 8, 25, 12, 4, 6, 0.01], zero_last=True)
    titles = []
    for i in range(m):
        head = f"{_STEP_TITLES[i % len(_STEP_TITLES)]} ({i + 1}): "
        k = len(_VIDEO_SUFFIXES)
        fits = [
            _VIDEO_SUFFIXES[(i * 5 + 1 + j) % k]
            for j in range(k)
            if 50 <= len(head) + len(_VIDEO_SUFFIXES[(i * 5 + 1 + j) % k]) <= 100
        ]
        titles.append(head + fits[0])
    cols = {
        "step_position": _escape_bank([steps.labels[v] for v in vids.tolist()]),
        "title": _escape_bank(titles),
        "video_duration": _int(duration),
        "total_views": _int(views),
        "total_downloads": _int(np.round(views * rng.uniform(0.02, 0.08, m))),
        "total_caption_views": _int(np.round(views * rng.uniform(0.05, 0.15, m))),
        "total_transcript_views": _int(np.round(views * rng.uniform(0.01, 0.05, m))),
        "viewed_hd": _float(rng.uniform(35, 70, m)),
    }
    names = [
        c for c in COLUMNS["video-stats"]["newest"] if c.startswith("viewed_") and c != "viewed_hd"
    ]
    for j, name in enumerate(names):
        cols[name] = _float(ret[:, j])
    dev_names = [c for c in COLUMNS["video-stats"]["newest"] if c.endswith("_device_percentage")]
    for j, name in enumerate(dev_names):
        cols[name] = _float(dev[:, j])
    reg_names = [c for c in COLUMNS["video-stats"]["newest"] if c.endswith("_views_percentage")]
    for j, name in enumerate(reg_names):
        cols[name] = _float(reg[:, j])
    return cols


def _team(rng, ppl: _People):
    """One row per team member and role: the lead educator is also the host, and the
    first mentor (if any) also a reviewer, as in real exports (several rows per person)."""
    m = len(ppl.team_idx)
    first = rng.integers(0, len(_FIRST_NAMES), m)
    last = rng.integers(0, len(_LAST_NAMES), m)
    rows = list(range(m))
    roles = list(ppl.team_role)
    extra = {0: "host"}
    if "mentor" in roles:
        extra[roles.index("mentor")] = "reviewer"
    for i, role in extra.items():
        rows.append(i)
        roles.append(role)
    rows_a = np.array(rows, dtype=np.int64)
    order = np.argsort(rows_a, kind="stable")  # a person's rows together
    rows_a = rows_a[order]
    return {
        "id": _take(ppl.ids, ppl.team_idx[rows_a]),
        "first_name": _take(_escape_bank(_FIRST_NAMES), first[rows_a]),
        "last_name": _take(_escape_bank(_LAST_NAMES), last[rows_a]),
        "team_role": pa.array([roles[i] for i in order.tolist()], pa.string()),
        "user_role": _take(pa.array(_ROLES), ppl.role[ppl.team_idx][rows_a]),
    }


def _campaigns(rng, ppl: _People, act: _Activity, out: _Outcomes):
    k = int(rng.integers(5, len(_CAMPAIGNS) + 1))
    rows = _CAMPAIGNS[:k]
    learners = int((ppl.role == 0).sum())
    tracked = int(learners * rng.uniform(0.15, 0.35))
    enrol = rng.multinomial(tracked, rng.dirichlet(np.full(k, 0.8)))
    active_share = (act.cls > 0).sum() / max(learners, 1)
    active = rng.binomial(enrol, min(1.0, active_share * 0.95))
    upgrades = rng.binomial(active, 0.06)
    order = np.argsort(-enrol, kind="stable")
    cols = {}
    for j, name in enumerate(
        ["utm_source", "utm_campaign", "utm_medium", "utm_term", "utm_content", "domain"]
    ):
        cols[name] = _escape_bank([rows[i][j] for i in order.tolist()])
    cols["enrolments"] = _int(enrol[order])
    cols["active_learners"] = _int(active[order])
    cols["upgrades_purchased"] = _int(upgrades[order])
    return cols


# ----------------------------------------------------------------------------------------
# Public API
# ----------------------------------------------------------------------------------------


def _course_yml(path: Path, *, title, stub, tl: _Timeline, weeks, exercise, social) -> None:
    import yaml

    doc = {
        "title": title,
        "data": ".",
        "stub": stub,
        "registration_open": tl.registration_open,
        "start": tl.start,
        "weeks": weeks,
        "notable_dates": dict(tl.notable),
        "exercise_steps": exercise,
        "social_steps": social,
        "session_gap_minutes": 65,
    }
    text = yaml.safe_dump(
        doc, sort_keys=False, allow_unicode=True, default_flow_style=None, width=100
    )
    path.write_text(text, encoding="utf-8", newline="\n")


def _names(values: Iterable[str] | None, what: str) -> list[str]:
    if values is None:
        return list(DATASETS)
    if isinstance(values, str):
        values = [values]
    values = list(values)
    unknown = [v for v in values if v not in DATASETS]
    if unknown:
        raise ValueError(f"{what}: unknown dataset(s) {unknown}; expected some of {list(DATASETS)}")
    return values


def _make(
    out_dir: str | os.PathLike,
    *,
    learners: int,
    weeks: int,
    seed: int,
    stub: str,
    start: str,
    title: str,
    versions: str,
    datasets: Iterable[str] | None,
    header_only: Iterable[str],
    unenrol: bool = True,
    structure_seed: int | None = None,
    lead_days: int = 120,
    tail_weeks: int = 10,
    progress: Callable[..., None] | None = None,
) -> dict[str, int]:
    if versions not in ("newest", "oldest"):
        raise ValueError(f"versions must be 'newest' or 'oldest', not {versions!r}")
    if int(learners) < 20:
        raise ValueError(f"learners must be at least 20, not {learners}")
    if int(weeks) < 1:
        raise ValueError(f"weeks must be at least 1, not {weeks}")
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", stub):
        raise ValueError(f"stub must be a file-name prefix such as 'learn-to-code-1', not {stub!r}")
    start_d = dt.date.fromisoformat(start)
    learners, weeks = int(learners), int(weeks)
    wanted = _names(datasets, "datasets")
    empty = set(_names(header_only, "header_only"))
    write = [d for d in DATASETS if d in wanted or d in empty]

    reg = start_d - dt.timedelta(days=int(lead_days))
    tl = _Timeline(
        registration_open=reg,
        start=start_d,
        notable={"Newsletter sent": start_d - dt.timedelta(days=16)},
        reg_ts=_epoch(reg),
        start_ts=_epoch(start_d),
        end_ts=_epoch(start_d) + 7 * weeks * _DAY,
        export_ts=_epoch(start_d) + 7 * (weeks + int(tail_weeks)) * _DAY,
    )
    seqs = np.random.default_rng(seed).bit_generator.seed_seq.spawn(17)
    r_struct, r_people, r_act, r_out = (np.random.default_rng(s) for s in seqs[:4])
    if structure_seed is not None:  # runs of one course share their steps
        r_struct = np.random.default_rng(
            np.random.default_rng(structure_seed).bit_generator.seed_seq.spawn(17)[0]
        )

    def done(what: str) -> None:
        if progress is not None:
            progress(what, total=3 + len(write))

    steps = _structure(r_struct, weeks)
    ppl = _people(r_people, learners, tl)
    done("people")
    act = _activity(r_act, steps, ppl, tl)
    done("activity")
    out = _outcomes(r_out, steps, ppl, act, tl, unenrol)
    done("outcomes")

    out_path = Path(out_dir)
    out_path.mkdir(parents=True, exist_ok=True)
    peer: list = []

    def peer_review(which: int):
        if not peer:  # both files come from one simulation (one stream)
            peer.extend(_peer_review(np.random.default_rng(seqs[16]), steps, ppl, act, tl))
        return peer[which]

    builders = {
        "enrolments": lambda r: _enrolments(r, ppl, out),
        "step-activity": lambda r: _step_activity(steps, ppl, act),
        "comments": lambda r: _comments(r, steps, ppl, act, tl),
        "question-response": lambda r: _question_response(r, steps, ppl, act, tl, versions),
        "peer-review-assignments": lambda r: peer_review(0),
        "peer-review-reviews": lambda r: peer_review(1),
        "leaving-survey-responses": lambda r: _leaving(r, steps, ppl, act, out),
        "archetype-survey-responses": lambda r: _archetype(r, ppl, tl),
        "weekly-sentiment-survey-responses": lambda r: _sentiment(r, steps, act, tl, weeks),
        "video-stats": lambda r: _video_stats(r, steps, act),
        "team-members": lambda r: _team(r, ppl),
        "campaigns": lambda r: _campaigns(r, ppl, act, out),
    }
    counts: dict[str, int] = {}
    for i, name in enumerate(DATASETS):
        if name not in write:
            continue
        header = COLUMNS[name][versions]
        path = out_path / f"{stub}_{name}.csv"
        if name in empty:
            counts[name] = write_csv(path, header, None)
            done(name)
            continue
        # each dataset draws from its own stream, so a subset writes the same files
        counts[name] = write_csv(path, header, builders[name](np.random.default_rng(seqs[4 + i])))
        done(name)

    exercise = [steps.labels[i] for i in steps.where(_EXERCISE).tolist()]
    social = [steps.labels[i] for i in _social_steps(steps).tolist()]
    _course_yml(
        out_path / "course.yml",
        title=title,
        stub=stub,
        tl=tl,
        weeks=weeks,
        exercise=exercise,
        social=social,
    )
    return counts


def make_course(
    out_dir: str | os.PathLike,
    *,
    learners: int = 2000,
    weeks: int = 3,
    seed: int = 1,
    stub: str = "learn-to-code-1",
    start: str = "2024-02-05",
    title: str = "Learning to Code for Data Analysis",
    versions: str = "newest",
    datasets: Iterable[str] | None = None,
    header_only: Iterable[str] = (),
    structure_seed: int | None = None,
    progress: Callable[..., None] | None = None,
) -> dict[str, int]:
    """Write a synthetic FutureLearn course-run export (one CSV per dataset) and its course.yml.

    Parameters
    ----------
    out_dir : folder to write into (created if needed); existing files of the same names
        are overwritten.
    learners : number of people enrolled (distinct ids, about 0.5% of them staff roles).
        A few early leavers re-enrol, so the enrolments file has slightly more rows.
    weeks : number of study weeks (each has 8-16 steps; week 1 has at least 10).
    seed : seed of ``numpy.random.default_rng``; the same arguments give byte-identical files.
    stub : file prefix, ``{course-slug}-{run}``; files are ``{stub}_{dataset}.csv``.
    start : ISO date of the first day of week 1. Registration opens 120 days before
        (as in real runs, months ahead), and the export is taken 10 weeks after the last
        study week, so enrolments and activity go on months after it.
    title : course title written to course.yml.
    structure_seed : seed of the course's step list (weeks and steps) alone; runs of one
        course made with the same ``structure_seed`` share their steps. Default: ``seed``.
    versions : ``"newest"`` or ``"oldest"``: the column version of every file
        (see :data:`COLUMNS`).
    datasets : the datasets to write (names from :data:`DATASETS`); ``None`` writes all.
    header_only : datasets to write as header-only files (no data rows); they are written
        even when not listed in ``datasets``.
    progress : optional ``progress(what, total=N)``, called after each stage (the
        simulation's three, then each file); see :func:`flbook.progress.stage_bar`.

    Returns
    -------
    dict
        ``{dataset: data rows written}`` for every file written, in :data:`DATASETS` order.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     counts = make_course(folder, learners=300, weeks=1, seed=3)
    >>> counts["enrolments"] >= 300, counts["step-activity"] > 300, counts["video-stats"] >= 1
    (True, True, True)
    """
    return _make(
        out_dir,
        learners=learners,
        weeks=weeks,
        seed=seed,
        stub=stub,
        start=start,
        title=title,
        versions=versions,
        datasets=datasets,
        header_only=header_only,
        structure_seed=structure_seed,
        progress=progress,
    )


def make_awkward_course(out_dir: str | os.PathLike) -> dict[str, int]:
    """Write a small course full of edge cases, for testing readers and chapters.

    Stub ``data-skills-12`` (a run number above 9); the oldest column version of every
    file; one study week; 150 learners; no unenrolments (so the leaving survey is
    header-only); a header-only comments file; no question-response file at all;
    registration open ten months before the start, and the export taken 20 weeks
    after the study week (enrolments and activity long after it).

    Parameters
    ----------
    out_dir : folder to write into (created if needed).

    Returns
    -------
    dict
        ``{dataset: data rows written}`` for every file written.
    """
    return _make(
        out_dir,
        learners=150,
        weeks=1,
        seed=12,
        stub="data-skills-12",
        start="2023-10-02",
        title="Data Skills for Work",
        versions="oldest",
        datasets=[d for d in DATASETS if d != "question-response"],
        header_only=["comments"],
        unenrol=False,
        lead_days=300,
        tail_weeks=20,
    )
