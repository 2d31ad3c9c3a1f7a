"""The benchmark's charts (PNG, matplotlib): a bar per figure at its median,
with a whisker from its lowest to its highest sample."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402

from lab.results.figures import Results  # noqa: E402


def bars(results: Results, table: str, title: str, path: Path) -> Path | None:
    """A horizontal bar chart of `table`: a group of bars per row, one per column."""
    figures = [f for f in results.figures if f.table == table]
    if not figures:
        return None
    rows = list(dict.fromkeys(f.row for f in figures))
    columns = list(dict.fromkeys(f.column for f in figures))
    height = 0.8 / len(columns)
    fig, axes = plt.subplots(figsize=(10, 1.2 + 0.5 * len(rows) * len(columns)))
    for index, column in enumerate(columns):
        positions, medians, below, above = [], [], [], []
        for position, row in enumerate(rows):
            found = results.find(table, row, column)
            if found:
                positions.append(position + index * height)
                medians.append(found.median)
                below.append(found.median - found.low)
                above.append(found.high - found.median)
        axes.barh(positions, medians, height=height, xerr=[below, above], capsize=3, label=column)
    axes.set_yticks([position + height * (len(columns) - 1) / 2 for position in range(len(rows))], rows)
    axes.invert_yaxis()
    axes.set_xlabel(figures[0].unit)
    axes.set_title(title)
    if len(columns) > 1:
        axes.legend()
    axes.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def draw(results: Results, folder: Path) -> list[Path]:
    """downloads.png, storage.png and load.png (those with figures)."""
    drawn = [bars(results, "downloads", f"Downloads, MB/s ({results.started})", folder / "downloads.png"),
             bars(results, "storage", "Apache reading from the storage mount, MB/s", folder / "storage.png")]
    load = Results(results.started, results.machine, results.quick,
                   [f for f in results.figures if f.table == "load" and f.column == "requests/s"])
    drawn.append(bars(load, "load", "Requests/s at a fixed concurrency", folder / "load.png"))
    return [path for path in drawn if path]
