"""The load report: what happened to each export file on its way into the course."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pandas as pd

from ..exports import FileReport


@dataclass
class LoadReport:
    """Data health of a course: one :class:`FileReport` per dataset, plus course-level notes."""

    files: dict[str, FileReport] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    from_store: bool = False
    team_in_enrolments: int = 0
    """People in enrolments whose id is in team-members (any role)."""
    team_as_learners: int = 0
    """Of them, those enrolled with the role ``learner`` (their role became
    :data:`~flbook.store.TEAM_ROLE`)."""
    reused: list[str] = field(default_factory=list)
    """Datasets whose file was unchanged since an earlier export of the same course
    folder, taken from that export's store instead of parsed again (only when this
    load built the store; not kept in the store, like :attr:`seconds`)."""

    @property
    def export_date(self) -> str | None:
        """The latest timestamp in any column of any file ('YYYY-MM-DD HH:MM:SS'), or None.

        An export cannot be older than the latest event it records, so this dates it.
        """
        latest = [r.latest for r in self.files.values() if r.latest]
        return max(latest) if latest else None

    def missing(self) -> list[str]:
        """The datasets whose file was not found (treated as no data)."""
        return [name for name, r in self.files.items() if r.status == "missing"]

    def to_frame(self) -> pd.DataFrame:
        """One row per dataset: status, version, rows read/kept/excluded, date range."""
        rows = []
        for name, r in self.files.items():
            rows.append(
                {
                    "dataset": name,
                    "status": r.status,
                    "version": r.version or "",
                    "rows_read": r.rows_read,
                    "rows_kept": r.rows_kept,
                    "rows_excluded": sum(r.excluded.values()),
                    "values_repaired": sum(r.repaired.values()),
                    "first": r.first or "",
                    "last": r.last or "",
                }
            )
        return pd.DataFrame(rows)

    def exclusions(self) -> pd.DataFrame:
        """Every exclusion and repair, one row per dataset and reason."""
        rows = []
        for name, r in self.files.items():
            for reason, n in r.excluded.items():
                rows.append({"dataset": name, "action": "excluded", "reason": reason, "rows": n})
            for reason, n in r.repaired.items():
                rows.append({"dataset": name, "action": "repaired", "reason": reason, "rows": n})
        return pd.DataFrame(rows, columns=["dataset", "action", "reason", "rows"])

    def all_warnings(self) -> list[str]:
        """Course-level warnings followed by each file's warnings, prefixed by dataset."""
        out = list(self.warnings)
        for name, r in self.files.items():
            out += [f"{name}: {w}" for w in r.warnings]
        return out

    def to_json(self) -> str:
        """Serialise (the store keeps it next to the tables)."""
        return json.dumps(
            {
                "files": {k: v.to_dict() for k, v in self.files.items()},
                "warnings": self.warnings,
                "team_in_enrolments": self.team_in_enrolments,
                "team_as_learners": self.team_as_learners,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> LoadReport:
        """Inverse of :meth:`to_json`."""
        raw = json.loads(text)
        return cls(
            files={k: FileReport(**v) for k, v in raw["files"].items()},
            warnings=raw["warnings"],
            team_in_enrolments=raw.get("team_in_enrolments", 0),
            team_as_learners=raw.get("team_as_learners", 0),
        )
