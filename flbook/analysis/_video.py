"""The video statistics export: how much of each video was watched, on what, from where.

FutureLearn summarises the video player's figures itself: one row per video, counting
*views*, not learners. Older runs may lack the file (or, in 2017 exports, the
``step_position`` and ``video_duration`` columns); every function here returns an empty
table with its usual columns when there are no video statistics.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from ..store import Course

__all__ = [
    "video_retention",
    "video_devices",
    "video_regions",
    "video_summary",
]

_RETENTION = {
    5: "viewed_five_percent",
    10: "viewed_ten_percent",
    25: "viewed_twentyfive_percent",
    50: "viewed_fifty_percent",
    75: "viewed_seventyfive_percent",
    95: "viewed_ninetyfive_percent",
    100: "viewed_onehundred_percent",
}
_DEVICES = {
    "desktop": "desktop_device_percentage",
    "mobile": "mobile_device_percentage",
    "tablet": "tablet_device_percentage",
    "tv": "tv_device_percentage",
    "console": "console_device_percentage",
    "unknown": "unknown_device_percentage",
}
_REGIONS = {
    "Europe": "europe_views_percentage",
    "Asia": "asia_views_percentage",
    "North America": "north_america_views_percentage",
    "South America": "south_america_views_percentage",
    "Africa": "africa_views_percentage",
    "Oceania": "oceania_views_percentage",
    "Antarctica": "antarctica_views_percentage",
}


def _videos(
    course: Course, columns: list[str]
) -> tuple[pd.DataFrame, pd.Categorical, pd.Categorical]:
    """Video stats rows, their labels ("1.3 Title") and steps, in course order."""
    t = course.table("video-stats", ["step_position", "title", *columns])
    step = t["step_position"]
    codes = step.cat.codes.to_numpy()
    order = np.lexsort((np.arange(len(t)), np.where(codes < 0, np.iinfo(np.int32).max, codes)))
    t = t.iloc[order].reset_index(drop=True)
    step = t["step_position"]
    s = step.astype("string")
    title = t["title"].astype("string").str.strip()
    label = (s + " " + title).fillna(s).fillna(title)
    label = label.fillna(pd.Series([f"Video {i + 1}" for i in range(len(t))], dtype="string"))
    # a label used twice gets a number so the videos stay apart
    dup = label.duplicated(keep=False)
    if dup.any():
        nth = label.groupby(label).cumcount() + 1
        label = label.where(~dup, label + " (" + nth.astype("string") + ")")
    video = pd.Categorical(label.to_numpy(dtype=object), categories=list(label), ordered=True)
    return t, video, pd.Categorical(step, dtype=step.dtype)


def _video_long(course: Course, mapping: dict, key: str, value: str) -> pd.DataFrame:
    """One row per video and mapping key, from the wide video-stats columns."""
    t, video, step = _videos(course, list(mapping.values()))
    k, n = len(mapping), len(t)
    keys = list(mapping)
    key_col = (
        np.tile(np.array(keys, dtype=np.int64), n)
        if all(isinstance(x, int) for x in keys)
        else pd.Categorical.from_codes(
            np.tile(np.arange(k), n), dtype=pd.CategoricalDtype(keys, ordered=True)
        )
    )
    out = pd.DataFrame(
        {
            "video": pd.Categorical.from_codes(np.repeat(video.codes, k), dtype=video.dtype),
            "step": pd.Categorical.from_codes(np.repeat(step.codes, k), dtype=step.dtype),
            key: key_col,
            value: t[list(mapping.values())].to_numpy(dtype=float, na_value=np.nan).reshape(-1),
        }
    )
    return out[out[value].notna()].reset_index(drop=True)


def _video_wide(course: Course, mapping: dict) -> pd.DataFrame:
    """One row per video, one column per mapping key: the exported shares as they are.

    Videos with no share at all, and keys no video has a share for (a column the export
    lacks), are left out.
    """
    t, video, step = _videos(course, list(mapping.values()))
    values = t[list(mapping.values())].to_numpy(dtype=float, na_value=np.nan)
    rows = ~np.isnan(values).all(axis=1)
    out = pd.DataFrame({"video": video[rows], "step": step[rows]})
    for j, name in enumerate(mapping):
        if not np.isnan(values[rows, j]).all():
            out[name] = values[rows, j]
    return out


def _video_shares(course: Course, mapping: dict, key: str, *, wide: bool) -> pd.DataFrame:
    """The exported % of each video's views per ``mapping`` key (device, region...).

    Long (one row per video and key, the key in column ``key``, the share in
    ``pct_views``) or, with ``wide``, one row per video and one column per key.
    """
    if wide:
        return _video_wide(course, mapping)
    return _video_long(course, mapping, key, "pct_views")


def video_retention(course: Course) -> pd.DataFrame:
    """How much of each video did viewers watch? (retention curve points)

    Returns
    -------
    DataFrame, long form, one row per video and point of the video:
        ``video`` (ordered Categorical "step title", course order), ``step`` (the
        video's step, ordered Categorical; missing in 2017 exports), ``pct_of_video``
        (5, 10, 25, 50, 75, 95, 100; in that order for each video), ``pct_viewers`` (% of
        views that reached that point, as exported). Points the export leaves empty are
        left out.

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> c = Course.from_frames(video_stats=pd.DataFrame({
    ...     "step_position": ["1.1"], "title": ["Welcome"], "total_views": [10],
    ...     "viewed_five_percent": [90.0], "viewed_onehundred_percent": [40.0]}))
    >>> video_retention(c)[["video", "pct_of_video", "pct_viewers"]]
             video  pct_of_video  pct_viewers
    0  1.1 Welcome             5         90.0
    1  1.1 Welcome           100         40.0
    """
    return _video_long(course, _RETENTION, "pct_of_video", "pct_viewers")


def video_devices(course: Course, *, wide: bool = False) -> pd.DataFrame:
    """On which devices were the videos watched?

    Parameters
    ----------
    course : the Course.
    wide : one row per video, one column per device: the table
        :func:`flbook.plotting.plot_video_devices` draws.

    Returns
    -------
    DataFrame, long form, one row per video and device:
        ``video`` (ordered Categorical), ``step``, ``device`` (ordered Categorical:
        desktop, mobile, tablet, tv, console, unknown), ``pct_views`` (% of the video's
        views).

        ``wide=True``: ``video``, ``step``, then one column per device (named by it,
        in the order above) holding its % of the video's views (missing where the
        export leaves it empty); a device no video has a figure for is left out.

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> c = Course.from_frames(video_stats=pd.DataFrame({
    ...     "step_position": ["1.1"], "title": ["Welcome"], "total_views": [10],
    ...     "desktop_device_percentage": [70.0], "mobile_device_percentage": [30.0]}))
    >>> video_devices(c, wide=True)
             video step  desktop  mobile
    0  1.1 Welcome  1.1     70.0    30.0
    """
    return _video_shares(course, _DEVICES, "device", wide=wide)


def video_regions(course: Course, *, wide: bool = False) -> pd.DataFrame:
    """From which world regions were the videos watched?

    The table :func:`video_devices` returns, by world region instead of device.

    Parameters
    ----------
    course : the Course.
    wide : the wide form (one column per region), which
        :func:`flbook.plotting.plot_video_regions` draws.

    Returns
    -------
    DataFrame: ``video``, ``step``, ``region`` (ordered Categorical: Europe, Asia,
        North America, South America, Africa, Oceania, Antarctica) and ``pct_views``,
        one row per video and region with a figure; ``wide=True``: ``video``,
        ``step`` and a column per region that some video has a figure for.

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> c = Course.from_frames(video_stats=pd.DataFrame({
    ...     "step_position": ["1.1", "1.2"], "title": ["Welcome", "Loops"],
    ...     "total_views": [10, 8], "europe_views_percentage": [60.0, 50.0],
    ...     "asia_views_percentage": [40.0, None]}))
    >>> video_regions(c)[["video", "region", "pct_views"]]
             video  region  pct_views
    0  1.1 Welcome  Europe       60.0
    1  1.1 Welcome    Asia       40.0
    2    1.2 Loops  Europe       50.0
    """
    return _video_shares(course, _REGIONS, "region", wide=wide)


def video_summary(course: Course) -> pd.DataFrame:
    """Each video with its full title, length and views: the table behind the video charts.

    The charts shorten long titles (real ones run to 100 characters); this table gives
    them whole.

    Returns
    -------
    DataFrame, one row per video in course order:
        ``step`` (ordered Categorical; missing in 2017 exports), ``title`` (the full
        title), ``minutes`` (length; missing in 2017 exports), ``total_views``,
        ``total_downloads``, ``pct_viewed_to_end`` (% of views that reached the end).

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> c = Course.from_frames(video_stats=pd.DataFrame({
    ...     "step_position": ["1.2"], "title": ["Welcome to the course, " * 4],
    ...     "video_duration": [150.0], "total_views": [80],
    ...     "viewed_onehundred_percent": [40.0]}))
    >>> row = video_summary(c).iloc[0]
    >>> len(row["title"]), float(row["minutes"]), int(row["total_views"])
    (91, 2.5, 80)
    """
    t, _, step = _videos(
        course,
        ["video_duration", "total_views", "total_downloads", "viewed_onehundred_percent"],
    )
    return pd.DataFrame(
        {
            "step": step,
            "title": t["title"].astype("string").str.strip(),
            "minutes": t["video_duration"].astype("float64") / 60.0,
            "total_views": t["total_views"].astype("Int64"),
            "total_downloads": t["total_downloads"].astype("Int64"),
            "pct_viewed_to_end": t["viewed_onehundred_percent"].astype("float64"),
        }
    )
