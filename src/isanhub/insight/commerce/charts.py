"""Small inline SVG charts for the HTML report, written by hand.

No JavaScript and no external asset: the page must print and open offline on a
seller's phone. Every chart is a pure function of its figures returning one ``<svg>``
string with ``role="img"`` and a ``<title>`` (read by screen readers, shown on hover);
every text from the data is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

INK = "#1f2937"
MUTED = "#6b7280"
BAR = "#0f766e"
NEGATIVE = "#b91c1c"
FORECAST = "#c2410c"
BAND = "#fed7aa"
FONT = 'font-family="inherit" font-size="11"'


def _svg(width: float, height: float, title: str, ident: str, body: list[str]) -> str:
    return (
        f'<svg class="chart" role="img" '
        f'viewBox="0 0 {width:g} {height:g}" width="{width:g}" height="{height:g}" '
        f'aria-labelledby="{escape(ident)}">'
        f'<title id="{escape(ident)}">{escape(title)}</title>' + "".join(body) + "</svg>"
    )


def bars(
    items: Sequence[tuple[str, float | None, str]],
    title: str,
    ident: str,
    width: int = 420,
    label_width: int = 110,
) -> str:
    """Horizontal bars, one per ``(label, value, shown value)``; ``None`` draws no bar.

    Negative values (a channel losing money) go left of a zero line, in red.
    """
    row = 20
    height = row * max(len(items), 1) + 6
    values = [v for _, v, _ in items if v is not None]
    lo, hi = min([0.0, *values]), max([0.0, *values])
    span = (hi - lo) or 1.0
    plot = width - label_width - 70
    zero = label_width + plot * (-lo / span)
    body = [f'<line x1="{zero:.1f}" y1="0" x2="{zero:.1f}" y2="{height}" stroke="{MUTED}"/>']
    for i, (label, value, shown) in enumerate(items):
        y = i * row + 3
        body.append(
            f'<text x="{label_width - 6}" y="{y + 13}" text-anchor="end" fill="{INK}" {FONT}>'
            f"{escape(label)}</text>"
        )
        end = zero
        if value is not None:
            x = label_width + plot * ((min(value, 0) - lo) / span)
            w = plot * abs(value) / span
            end = x + w
            colour = NEGATIVE if value < 0 else BAR
            body.append(
                f'<rect x="{x:.1f}" y="{y + 2}" width="{max(w, 0.5):.1f}" height="{row - 6}" '
                f'fill="{colour}"><title>{escape(label)}: {escape(shown)}</title></rect>'
            )
        body.append(
            f'<text x="{max(end, zero) + 4:.1f}" y="{y + 13}" fill="{INK}" {FONT}>'
            f"{escape(shown)}</text>"
        )
    return _svg(width, height, title, ident, body)


def shade(value: int, top: int) -> str:
    """Cell colour from white (no order) to deep teal (the busiest hour)."""
    if top <= 0 or value <= 0:
        return "#f3f4f6"
    k = 0.15 + 0.85 * value / top
    r, g, b = (round(255 + (c - 255) * k) for c in (15, 118, 110))
    return f"#{r:02x}{g:02x}{b:02x}"


def heatmap(
    grid: Sequence[Sequence[int]],
    days: Sequence[str],
    cell_titles: Sequence[Sequence[str]],
    title: str,
    ident: str,
) -> str:
    """The 7 × 24 weekday × hour grid of sold orders, one titled ``<rect>`` per cell."""
    cell, left, top_pad = 17, 34, 14
    top = max((max(r) for r in grid if r), default=0)
    body: list[str] = []
    for hour in range(0, 24, 3):
        body.append(
            f'<text x="{left + hour * cell + cell / 2:.1f}" y="10" text-anchor="middle" '
            f'fill="{MUTED}" font-size="9">{hour:02d}</text>'
        )
    for d, row in enumerate(grid):
        y = top_pad + d * cell
        body.append(
            f'<text x="{left - 4}" y="{y + 12}" text-anchor="end" fill="{INK}" {FONT}>'
            f"{escape(days[d])}</text>"
        )
        for h, value in enumerate(row):
            body.append(
                f'<rect class="hm-cell" x="{left + h * cell}" y="{y}" width="{cell - 1}" '
                f'height="{cell - 1}" fill="{shade(value, top)}">'
                f"<title>{escape(cell_titles[d][h])}</title></rect>"
            )
    return _svg(left + 24 * cell + 2, top_pad + len(grid) * cell + 2, title, ident, body)


def outlook(
    history: Sequence[float | None],
    forecast: Sequence[tuple[float, float | None, float | None]],
    title: str,
    ident: str,
    width: int = 420,
    height: int = 120,
) -> str:
    """Weekly units sold (solid line), then the forecast (dashed) inside its interval band.

    ``forecast`` holds ``(units, low, high)`` per coming week.
    """
    pad, n = 6, len(history) + len(forecast)
    tops = [v for v in history if v is not None]
    tops += [max(u, hi if hi is not None else u) for u, _, hi in forecast]
    top = max(tops, default=0) or 1.0
    step = (width - 2 * pad) / max(n - 1, 1)

    def xy(i: int, v: float) -> str:
        return f"{pad + i * step:.1f},{height - pad - (height - 2 * pad) * v / top:.1f}"

    body = [
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" '
        f'stroke="{MUTED}"/>'
    ]
    start = len(history)
    if forecast:
        upper = [
            xy(start + i, hi if hi is not None else u) for i, (u, _, hi) in enumerate(forecast)
        ]
        lower = [
            xy(start + i, lo if lo is not None else u) for i, (u, lo, _) in enumerate(forecast)
        ]
        body.append(f'<polygon points="{" ".join(upper + lower[::-1])}" fill="{BAND}"/>')
        line = [xy(start + i, u) for i, (u, _, _) in enumerate(forecast)]
        if history and history[-1] is not None:
            line.insert(0, xy(start - 1, history[-1]))
        body.append(
            f'<polyline points="{" ".join(line)}" fill="none" stroke="{FORECAST}" '
            'stroke-width="2" stroke-dasharray="5 3"/>'
        )
    past = [xy(i, v) for i, v in enumerate(history) if v is not None]
    if past:
        body.append(
            f'<polyline points="{" ".join(past)}" fill="none" stroke="{BAR}" stroke-width="2"/>'
        )
    body.append(f'<text x="{pad}" y="12" fill="{MUTED}" font-size="9">{top:,.0f}</text>')
    return _svg(width, height, title, ident, body)
