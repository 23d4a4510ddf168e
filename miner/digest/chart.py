"""The digest's chart: new findings per week over the last twelve weeks, stacked by disorder, as a
PNG for mail clients, with a sentence saying the same for readers without images.
Imports: matplotlib (Agg, no display), stdlib.
"""

from __future__ import annotations

import io

COLOURS = ("#1d5fa8", "#b3261e", "#137333", "#8a4b00", "#6a1b9a", "#9aa0a6")


def chart_png(weeks: list[str], series: dict[str, list[int]]) -> bytes:
    # matplotlib loads on the first chart (~0.25 s), not with every command that imports the digest
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(7.2, 3.2), dpi=100)
    try:
        labels = [w.split("-")[1] for w in weeks]
        bottom = [0] * len(weeks)
        for (name, values), colour in zip(series.items(), COLOURS, strict=False):  # series past the palette: none
            axes.bar(labels, values, bottom=bottom, label=name, color=colour, width=0.7)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        if not series:
            axes.text(
                0.5,
                0.5,
                "no new findings in these weeks",
                ha="center",
                va="center",
                transform=axes.transAxes,
                color="#5f6368",
            )
        axes.set_title("New findings per week, by disorder", loc="left", fontsize=11)
        axes.set_ylabel("findings")
        axes.spines[["top", "right"]].set_visible(False)
        axes.tick_params(axis="x", labelsize=8)
        if series:
            axes.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        pyplot.close(figure)


def chart_alt(weeks: list[str], series: dict[str, list[int]]) -> str:
    """The chart in one sentence (the image's alt text and the text part's line)."""
    if not series:
        return f"Chart: no new findings in the {len(weeks)} weeks to {weeks[-1]}."
    totals = [sum(values[i] for values in series.values()) for i in range(len(weeks))]
    average = sum(totals[:-1]) / max(1, len(totals) - 1)
    parts = ", ".join(f"{name} {values[-1]}" for name, values in series.items() if values[-1])
    return (
        f"Chart: new findings per week over the last {len(weeks)} weeks; {weeks[-1]} had {totals[-1]}"
        + (f" ({parts})" if parts else "")
        + f"; the week before had {totals[-2]}, and the {len(weeks) - 1} weeks before it averaged {average:.0f} a week."
    )
