"""What an import did (or, in a dry run, would do): counts, row errors, the names it could not attribute, and
the ids of what it created; merged batch by batch and read at the end (`GtdImportReport.summary_lines`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .parse import RowProblem


@dataclass
class NamedInRows:
    """Rows the report points to: a GTD group name the import could not attribute, or rows with one problem, and where."""

    rows: int = 0
    lines: list[int] = field(default_factory=list)
    candidates: tuple[str, ...] = ()

    LINES_SHOWN = 5

    def add(self, line: int) -> None:
        self.rows += 1
        if len(self.lines) < self.LINES_SHOWN:
            self.lines.append(line)

    def merge(self, other: NamedInRows) -> None:
        self.rows += other.rows
        self.lines = (self.lines + other.lines)[: self.LINES_SHOWN]
        self.candidates = self.candidates or other.candidates


@dataclass
class GtdImportReport:
    """What an import did (or, in a dry run, would do)."""

    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    attributions_created: int = 0
    attributions_changed: int = 0
    attributions_removed: int = 0
    attributions_removal_pending: int = 0  # of the removed: published ones whose deletion awaits a Reviewer
    generic_rows: int = 0  # rows naming a generic perpetrator ("Gunmen"): no group, the label kept on the attack
    generic_labels: dict[str, int] = field(default_factory=dict)
    approximate_dates_unread: NamedInRows = field(default_factory=NamedInRows)
    sources_created: int = 0
    sources_updated: int = 0
    citations_created: int = 0
    citations_updated: int = 0
    groups_created: list[str] = field(default_factory=list)
    errors: list[RowProblem] = field(default_factory=list)
    unknown_groups: dict[str, NamedInRows] = field(default_factory=dict)
    ambiguous_groups: dict[str, NamedInRows] = field(default_factory=dict)
    # The ids of the records the import created, by model label ("groups.Attack", "sources.Citation"…), in the order
    # written: what one run adds, for review as one change set. Empty in a dry run.
    created_ids: dict[str, list[int]] = field(default_factory=dict)

    ERRORS_SHOWN = 50
    NAMES_SHOWN = 50

    def record_created(self, model, ids: Iterable[int]) -> None:
        self.created_ids.setdefault(model._meta.label, []).extend(ids)

    def error(self, line: int, eventid: str, message: str) -> None:
        self.errors.append(RowProblem(line, eventid, message))

    def unknown_group(self, name: str, line: int) -> None:
        self.unknown_groups.setdefault(name, NamedInRows()).add(line)

    def ambiguous_group(self, name: str, line: int, candidates: tuple[str, ...]) -> None:
        self.ambiguous_groups.setdefault(name, NamedInRows(candidates=candidates)).add(line)

    def generic_perpetrator(self, labels: list[str]) -> None:
        """A row that names generic perpetrators (`labels`)."""
        self.generic_rows += 1
        for label in dict.fromkeys(labels):
            self.generic_labels[label] = self.generic_labels.get(label, 0) + 1

    def merge(self, other: GtdImportReport) -> None:
        self.rows_read += other.rows_read
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.attributions_created += other.attributions_created
        self.attributions_changed += other.attributions_changed
        self.attributions_removed += other.attributions_removed
        self.attributions_removal_pending += other.attributions_removal_pending
        self.generic_rows += other.generic_rows
        for label, rows in other.generic_labels.items():
            self.generic_labels[label] = self.generic_labels.get(label, 0) + rows
        self.approximate_dates_unread.merge(other.approximate_dates_unread)
        self.sources_created += other.sources_created
        self.sources_updated += other.sources_updated
        self.citations_created += other.citations_created
        self.citations_updated += other.citations_updated
        for label, ids in other.created_ids.items():
            self.created_ids.setdefault(label, []).extend(ids)
        self.groups_created += [name for name in other.groups_created if name not in self.groups_created]
        self.errors += other.errors
        for mine, theirs in ((self.unknown_groups, other.unknown_groups), (self.ambiguous_groups, other.ambiguous_groups)):
            for name, named in theirs.items():
                mine.setdefault(name, NamedInRows(candidates=named.candidates)).merge(named)

    def summary_lines(self, *, dry_run: bool, seconds: float) -> list[str]:
        """The report a person reads at the end of an import."""
        would = "would be " if dry_run else ""
        rate = self.rows_read / seconds if seconds > 0 else 0.0
        lines = [
            f"Rows read: {self.rows_read:,} in {seconds:.1f} s ({rate:,.0f} rows/s).",
            f"Attacks: {self.created:,} {would}created, {self.updated:,} {would}updated, {self.unchanged:,} unchanged.",
            f"Attributions: {self.attributions_created:,} {would}created, {self.attributions_changed:,} {would}changed, "
            f"{self.attributions_removed:,} {would}removed"
            + (
                f" ({self.attributions_removal_pending:,} published: the removal awaits review)."
                if self.attributions_removal_pending
                else "."
            ),
            f"GTD records cited (sources): {self.sources_created:,} {would}created, {self.sources_updated:,} {would}updated; "
            f"citations: {self.citations_created:,} {would}created, {self.citations_updated:,} {would}updated.",
        ]
        if self.groups_created:
            names = ", ".join(f"“{name}”" for name in sorted(self.groups_created)[: self.NAMES_SHOWN])
            more = f" … and {len(self.groups_created) - self.NAMES_SHOWN} more" if len(self.groups_created) > self.NAMES_SHOWN else ""
            lines.append(f"Draft groups {would}created ({len(self.groups_created)}), to review: {names}{more}.")
        if self.generic_rows:
            ordered = sorted(self.generic_labels.items(), key=lambda item: (-item[1], item[0].casefold()))
            labels = ", ".join(f"“{label}” {rows:,}" for label, rows in ordered[: self.NAMES_SHOWN])
            more = f" … and {len(ordered) - self.NAMES_SHOWN:,} more" if len(ordered) > self.NAMES_SHOWN else ""
            lines.append(
                f"Generic perpetrators: {self.generic_rows:,} rows name one (no group; the label is kept on the attack as "
                f"“perpetrators as described”): {labels}{more}."
            )
        if (unread := self.approximate_dates_unread).rows:
            where = ", ".join(map(str, unread.lines)) + (", …" if unread.rows > len(unread.lines) else "")
            lines.append(
                f"Approximate dates not read as days: {unread.rows:,} rows (their date is kept to GTD's month; "
                f"line{'s' if unread.rows != 1 else ''} {where})."
            )
        lines.append(f"Row errors: {len(self.errors):,}" + (" (these rows were not imported):" if self.errors else "."))
        lines += [f"  {problem}" for problem in self.errors[: self.ERRORS_SHOWN]]
        if len(self.errors) > self.ERRORS_SHOWN:
            lines.append(f"  … and {len(self.errors) - self.ERRORS_SHOWN:,} more")
        if self.unknown_groups:
            lines.append(
                f"Unknown groups: {len(self.unknown_groups):,} (no attribution made; match them with an alias or a GTD name, "
                "or import with --create-unknown-groups):"
            )
            lines += self._named_lines(self.unknown_groups)
        if self.ambiguous_groups:
            lines.append(f"Ambiguous group names: {len(self.ambiguous_groups):,} (several groups go by them; no attribution made):")
            lines += self._named_lines(self.ambiguous_groups)
        return lines

    def _named_lines(self, names: dict[str, NamedInRows]) -> list[str]:
        ordered = sorted(names.items(), key=lambda item: (-item[1].rows, item[0].casefold()))
        lines = []
        for name, named in ordered[: self.NAMES_SHOWN]:
            where = ", ".join(str(line) for line in named.lines) + (", …" if named.rows > len(named.lines) else "")
            candidates = f" (could be {', '.join(named.candidates)})" if named.candidates else ""
            rows = f"{named.rows:,} row" + ("s" if named.rows != 1 else "")
            lines.append(f"  “{name}”{candidates}: {rows} (line{'s' if named.rows != 1 else ''} {where})")
        if len(ordered) > self.NAMES_SHOWN:
            lines.append(f"  … and {len(ordered) - self.NAMES_SHOWN:,} more")
        return lines
