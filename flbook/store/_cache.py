"""The cache of parsed exports: the store folder, content digests and the Arrow files.

A course's store is ``{cache}/courses/{key}/``, where the key is a digest of the
content of every source file (see :func:`~flbook.store.load_course`). It holds one
Parquet file per dataset (ids as codes), ``people.parquet`` and ``steps.parquet``
(what the codes mean), ``report.json`` (the load report), the notebook events if
any, ``person-order.npz`` and ``sources.json`` (what a later export of the same
course folder needs to reuse the tables of its unchanged files), and ``derived/``
(intermediates computed from the course, :meth:`Course.derived`).
A store is built in a temporary folder and renamed into place, so a reader never
sees half of one.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import xxhash

STORE_VERSION = "5"
"""Bumped whenever the stored layout or the readers' output changes. 5: the step list
stored is the data's (4 stored the steps named in the settings too, which shifted the
codes of a reload when a named step sorted between visited ones); the person order
and sources kept for reuse."""

TS_NS = pa.timestamp("ns", tz="UTC")
"""The type of every stored timestamp column."""


def cache_dir() -> Path:
    """Root folder of the course store: ``$FLBOOK_CACHE``, else ``~/.cache/flbook``."""
    env = os.environ.get("FLBOOK_CACHE")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "flbook"


def file_digest(path: Path) -> str:
    """A 128-bit content digest of one file (XXH3: several GB/s, SHA-256 about 1.8).

    The digest names a cache entry and guards against nothing adversarial, so a fast
    non-cryptographic hash is the right tool. Read in blocks (a memory map would be a
    little faster, but a file truncated while being read would crash the process).
    """
    h = xxhash.xxh3_128()
    buf = bytearray(1 << 22)
    view = memoryview(buf)
    with open(path, "rb", buffering=0) as fh:
        while n := fh.readinto(buf):
            h.update(view[:n])
    return h.hexdigest()


class Digests:
    """Content digests of source files, remembered by (path, size, mtime, ctime, inode).

    ``ctime`` changes on every write and cannot be set back by user programs, so an
    edit that keeps the size and restores the modification time still changes the key.
    """

    def __init__(self, root: Path) -> None:
        self.path = root / "digests-xxh3.json"
        try:
            self.known = json.loads(self.path.read_text())
        except (OSError, ValueError):
            self.known = {}
        self.changed = False

    @staticmethod
    def _stat_key(p: Path) -> str:
        st = p.stat()
        return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}"

    def lookup(self, p: Path) -> str | None:
        """The remembered digest of ``p``, or None if unknown or the file changed since."""
        entry = self.known.get(str(p.resolve()))
        if entry and entry[0] == self._stat_key(p):
            return entry[1]
        return None

    def remember(self, p: Path, digest: str) -> None:
        """Remember the digest of ``p`` as it is now."""
        self.known[str(p.resolve())] = [self._stat_key(p), digest]
        self.changed = True

    def save(self) -> None:
        """Write the remembered digests (atomically), if any changed."""
        if self.changed:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(self.known))
            tmp.replace(self.path)


def write_parquet(table: pa.Table, path: Path) -> pa.Table:
    """Write one table for fast writing and reading; return it as written (what a
    reload gives back, so the first load need not cast it again).

    Timestamps in ns (no cast on load); dictionary encoding only for label columns
    (decoding it slows reads of numbers); no compression and no statistics; columns
    without nulls marked required, so no definition levels are written or read.
    Measured at 200,000 learners: 0.62-0.66 s with LZ4, statistics and every column
    optional; 0.39-0.47 s uncompressed without statistics; 0.34 s with required
    columns too (0.47 s without, in the same run). The store is about 200 MB instead
    of 80 MB (the CSVs: 490 MB) and reads a little faster.
    """
    cols, fields = [], []
    for f in table.schema:
        col = table.column(f.name)
        col = col.cast(TS_NS) if pa.types.is_timestamp(f.type) else col
        cols.append(col)
        fields.append(pa.field(f.name, col.type, nullable=col.null_count > 0))
    table = pa.table(cols, schema=pa.schema(fields))
    labels = [f.name for f in table.schema if pa.types.is_dictionary(f.type)]
    pq.write_table(
        table, path, compression="none", use_dictionary=labels or False, write_statistics=False
    )
    return table


def link_or_copy(src: Path, dst: Path) -> None:
    """Give ``dst`` the content of ``src``: a hard link (instant) where possible."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def write_arrow(path: Path, frame: pd.DataFrame) -> None:
    """Write a derived table beside the store, atomically; a failure to write is no error."""
    try:
        path.parent.mkdir(exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".arrow", dir=path.parent)
        os.close(fd)
        table = pa.Table.from_pandas(frame, preserve_index=False)
        with pa.OSFile(tmp, "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError, UnboundLocalError):
            os.unlink(tmp)


def read_arrow(path: Path) -> pd.DataFrame | None:
    """A table :func:`write_arrow` wrote (memory-mapped), or None if absent or unreadable."""
    if not path.exists():
        return None
    try:
        return pa.ipc.open_file(pa.memory_map(str(path))).read_all().to_pandas()
    except (OSError, pa.ArrowException):
        return None  # unreadable (a crash while writing): the caller computes it again


# --------------------------------------------------------------------------- the store folder


def write_store(
    tmp: Path,
    store: Path,
    *,
    people: pd.Index,
    steps: list[str],
    report_json: str,
    person_order: dict[tuple[str, str], np.ndarray],
    sources: dict,
    notebook_events: pa.Table | None = None,
    notebook_report_json: str | None = None,
) -> None:
    """Complete the store in ``tmp``, whose tables are written, and move it to
    ``store`` in one rename, so a reader never sees half a store."""
    pq.write_table(
        pa.table({"person": pa.array(people.to_numpy(), pa.string())}), tmp / "people.parquet"
    )
    pq.write_table(pa.table({"step": pa.array(steps, pa.string())}), tmp / "steps.parquet")
    if notebook_events is not None:
        pq.write_table(notebook_events, tmp / "notebook-events.parquet", compression="lz4")
        (tmp / "notebook-logs.json").write_text(notebook_report_json or "{}")
    np.savez(tmp / "person-order.npz", **{f"{n}.{c}": v for (n, c), v in person_order.items()})
    (tmp / "sources.json").write_text(json.dumps(sources))
    (tmp / "report.json").write_text(report_json)
    try:
        tmp.rename(store)
    except OSError:  # another process stored the same course first
        shutil.rmtree(tmp, ignore_errors=True)


def read_person_order(store: Path) -> dict[tuple[str, str], np.ndarray]:
    """What :func:`write_store` kept of each person column's order (see ``KeptTables``)."""
    with np.load(store / "person-order.npz") as npz:
        return {tuple(key.split(".", 1)): npz[key] for key in npz.files}


def sources_record(files: dict[str, Path], digests: dict[str, str | None]) -> dict:
    """What a store was built from: the store version, each dataset's file and digest."""
    return {
        "version": STORE_VERSION,
        "files": {n: {"path": str(p), "digest": digests[n]} for n, p in files.items()},
    }


def unchanged_files(sources: dict, earlier: dict) -> list[str]:
    """The datasets whose file (same path, same content) is in both records.

    Enrolments count only if team-members is unchanged too: the team rule changes
    enrolment roles by the team-members file (see ``apply_team_rule``).
    """
    if earlier.get("version") != sources["version"]:
        return []
    old = earlier.get("files", {})
    same = [n for n, f in sources["files"].items() if f["digest"] is not None and old.get(n) == f]
    if sources["files"].get("team-members") != old.get("team-members"):
        same = [n for n in same if n != "enrolments"]
    return same


def find_earlier_store(courses: Path, sources: dict) -> tuple[Path, list[str]] | None:
    """The complete store under ``courses`` that shares the most unchanged files with
    ``sources`` (the newest among equals), and those files; None if there is none."""
    best: tuple[int, float, Path, list[str]] | None = None
    for record in courses.glob("*/sources.json"):
        store = record.parent
        if store.name.startswith("."):  # another process's store, still being built
            continue
        if not (store / "report.json").exists() or not (store / "person-order.npz").exists():
            continue
        try:
            same = unchanged_files(sources, json.loads(record.read_text()))
            mtime = record.stat().st_mtime
        except (OSError, ValueError):
            continue
        if same and (best is None or (len(same), mtime) > best[:2]):
            best = (len(same), mtime, store, same)
    return None if best is None else (best[2], best[3])
