"""Small SVG charts drawn on the server: no chart library, no script, nothing a Content-Security-Policy
of 'self' would block. Every label is escaped; each chart is an image with a text alternative."""
from __future__ import annotations

from html import escape

from markupsafe import Markup

COLOURS = {"resolved_by_assistant": "#15803d", "handed_over": "#1d4ed8", "abandoned": "#b45309"}
BAR = "#1d4ed8"
LABELS = {"resolved_by_assistant": "Resolved by the assistant", "handed_over": "Handed over",
          "abandoned": "Abandoned"}


def _svg(width: int, height: int, title: str, body: list[str], chart_id: str) -> Markup:
    alt = escape(title)
    return Markup(f'<svg class="chart" id="{chart_id}" role="img" aria-label="{alt}" viewBox="0 0 {width} {height}" '
                  f'width="100%" xmlns="http://www.w3.org/2000/svg"><title>{alt}</title>{"".join(body)}</svg>')


def bars(items: list[tuple[str, float]], title: str, chart_id: str, colours: list[str] | None = None) -> Markup:
    """Horizontal bars, one per (label, value), the value written at the end of each bar."""
    label_w, bar_w, row = 220, 300, 26
    top = max((v for _, v in items), default=0) or 1
    body = []
    for i, (label, value) in enumerate(items):
        y = i * row
        width = round(bar_w * value / top, 1)
        colour = (colours or [])[i] if colours and i < len(colours) else BAR
        short = label if len(label) <= 34 else label[:33] + "…"
        body.append(f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end" font-size="13" fill="#0f172a">'
                    f'{escape(short)}</text>'
                    f'<rect class="bar" x="{label_w}" y="{y + 4}" width="{width}" height="{row - 8}" fill="{colour}">'
                    f'<title>{escape(label)}: {escape(_number(value))}</title></rect>'
                    f'<text x="{label_w + width + 6}" y="{y + 17}" font-size="13" fill="#0f172a">'
                    f'{escape(_number(value))}</text>')
    if not items:
        body.append('<text x="8" y="18" font-size="13" fill="#475569">No data in this period.</text>')
    return _svg(label_w + bar_w + 60, max(len(items), 1) * row + 4, title, body, chart_id)


def outcomes_by_day(days: list[dict], title: str, chart_id: str) -> Markup:
    """Stacked columns: per day, conversations by outcome, with a legend below."""
    width, height, left, bottom = 640, 220, 36, 40
    plot_w, plot_h = width - left - 8, height - bottom - 10
    top = max((sum(d[o] for o in COLOURS) for d in days), default=0) or 1
    step = plot_w / max(len(days), 1)
    body = [f'<line x1="{left}" y1="{10 + plot_h}" x2="{width - 8}" y2="{10 + plot_h}" stroke="#94a3b8"/>',
            f'<text x="{left - 6}" y="16" text-anchor="end" font-size="11" fill="#475569">{top}</text>',
            f'<text x="{left - 6}" y="{10 + plot_h}" text-anchor="end" font-size="11" fill="#475569">0</text>']
    label_every = max(1, len(days) // 8)
    for i, day in enumerate(days):
        x = left + i * step + step * 0.15
        y = 10 + plot_h
        for outcome, colour in COLOURS.items():
            h = plot_h * day[outcome] / top
            if h:
                y -= h
                body.append(f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}" '
                            f'fill="{colour}"><title>{escape(day["date"])}: {day[outcome]} '
                            f'{escape(LABELS[outcome].lower())}</title></rect>')
        if i % label_every == 0:
            body.append(f'<text x="{x + step * 0.35:.1f}" y="{height - 24}" text-anchor="middle" font-size="11" '
                        f'fill="#475569">{escape(day["date"][5:])}</text>')
    for i, (outcome, colour) in enumerate(COLOURS.items()):
        x = left + i * 200
        body.append(f'<rect x="{x}" y="{height - 14}" width="10" height="10" fill="{colour}"/>'
                    f'<text x="{x + 14}" y="{height - 5}" font-size="12" fill="#0f172a">{LABELS[outcome]}</text>')
    return _svg(width, height, title, body, chart_id)


def sentiment_by_day(days: list[dict], title: str, chart_id: str) -> Markup:
    """Columns up (green) or down (red) from a zero line: the mean sentiment of each day's shopper messages."""
    width, height, left = 640, 180, 36
    middle, half = 80, 66
    step = (width - left - 8) / max(len(days), 1)
    body = [f'<line x1="{left}" y1="{middle}" x2="{width - 8}" y2="{middle}" stroke="#94a3b8"/>',
            f'<text x="{left - 6}" y="{middle - half + 4}" text-anchor="end" font-size="11" fill="#475569">+1</text>',
            f'<text x="{left - 6}" y="{middle + 4}" text-anchor="end" font-size="11" fill="#475569">0</text>',
            f'<text x="{left - 6}" y="{middle + half + 4}" text-anchor="end" font-size="11" fill="#475569">-1</text>']
    label_every = max(1, len(days) // 8)
    for i, day in enumerate(days):
        x = left + i * step + step * 0.15
        mean = day.get("sentiment_mean")
        if mean is not None:
            h = max(abs(mean) * half, 1.0)
            y = middle - h if mean >= 0 else middle
            colour = "#15803d" if mean >= 0 else "#b91c1c"
            body.append(f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}" '
                        f'fill="{colour}"><title>{escape(day["date"])}: mean sentiment {mean:+.2f}</title></rect>')
        if i % label_every == 0:
            body.append(f'<text x="{x + step * 0.35:.1f}" y="{height - 6}" text-anchor="middle" font-size="11" '
                        f'fill="#475569">{escape(day["date"][5:])}</text>')
    return _svg(width, height, title, body, chart_id)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"
