"""A benchmark run written down: results.json (every sample) and report.md
(the tables, which `make bench` and `make cifs` also print) from
lab.results.figures.Results, in the tables the caller names (lab.bench.tables,
lab.cifsvm.tables)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from lab.results.figures import Figure, Results, ratio


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    # the row every other row's median is divided by, column by column
    baseline: str | None = None


def number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def cell(figure: Figure) -> str:
    return f"{number(figure.median)} ({number(figure.low)}–{number(figure.high)})"


def _ordered(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def table_markdown(results: Results, table: Table) -> list[str]:
    figures = [f for f in results.figures if f.table == table.name]
    counts = [c for c in results.counts if c.table == table.name]
    missing = [item for item in results.unavailable if item.table == table.name]
    observed = [f"- {item.row}: {item.text}" for item in results.observations if item.table == table.name]
    if not figures and not missing:
        return [f"### {table.title}", "", *observed, ""] if observed else []
    plain = _ordered([f.column for f in figures])
    units = {f.column: f.unit for f in figures}
    counted = _ordered([c.column for c in counts])
    ratios = [f"{column} ÷ baseline" for column in plain] if table.baseline else []
    headers = ([f"{column} ({units[column]})" if units[column] else column for column in plain] + counted + ratios
               or ["figure"])
    lines = [f"### {table.title}", "", "| | " + " | ".join(headers) + " |", "|---|" + "---|" * len(headers)]
    for row in _ordered([f.row for f in figures]):
        cells = [cell(found) if (found := results.find(table.name, row, column)) else "—" for column in plain]
        for column in counted:
            count = next((c for c in counts if (c.row, c.column) == (row, column)), None)
            cells.append(f"{count.percent:.1f} % ({count.part:,} of {count.whole:,})" if count else "—")
        for column in plain if table.baseline else ():
            found, base = results.find(table.name, row, column), results.find(table.name, table.baseline, column)
            cells.append(f"{ratio(found, base):.2f}" if found and base else "—")
        lines.append(f"| {row} | " + " | ".join(cells) + " |")
    for item in missing:
        lines.append(f"| {item.row} | not available on this host: {item.reason} |" + " |" * (len(headers) - 1))
    return [*lines, "", *observed, *([""] if observed else [])]


def markdown(results: Results, tables: Sequence[Table]) -> str:
    machine = ", ".join(f"{key} {value}" for key, value in results.machine.items())
    lines = [f"# sdlab benchmark, {results.started}{' (quick)' if results.quick else ''}", "",
             f"Machine: {machine}.", "",
             "Each figure is the median of its samples with the lowest and highest; every ratio "
             "divides two medians of this run.", ""]
    for table in tables:
        lines += table_markdown(results, table)
    return "\n".join(lines)


def write(results: Results, folder: Path, tables: Sequence[Table]) -> Path:
    """results.json and report.md in `folder`; returns report.md."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps(results.to_json(), indent=2) + "\n")
    report = folder / "report.md"
    report.write_text(markdown(results, tables))
    return report
