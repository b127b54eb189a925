"""Small server-side SVG charts: no JavaScript, no CDN, printable. Every label is escaped."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

COLOURS = {"pass": "#067647", "warn": "#b54708", "fail": "#b42318", "approve": "#067647", "reject": "#b42318",
           "request_resubmission": "#b54708", "success": "#067647", "p50": "#175cd3", "p95 extra": "#84adff"}
DEFAULT_COLOUR = "#0b6e4f"


def _fmt(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def line_chart(labels: list[str], values: list[float | None], *, title: str, unit: str = "",
               width: int = 640, height: int = 200) -> SafeString:
    """A line over time; gaps (None) break the line. Labels are shown every few points."""
    left, right, top, bottom = 40, 30, 24, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    present = [v for v in values if v is not None]
    peak = max(present) if present else 0
    peak = peak if peak > 0 else 1
    step = plot_w / max(len(values) - 1, 1)
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" aria-label="{escape(title)}">',
             f'<title>{escape(title)}</title>',
             f'<text x="{left}" y="14" class="chart-title">{escape(title)}</text>']
    for fraction in (0, 0.5, 1):
        y = top + plot_h * (1 - fraction)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" class="axis">'
                     f'{_fmt(peak * fraction)}{escape(unit)}</text>')
    segments, current = [], []
    for index, value in enumerate(values):
        if value is None:
            if current:
                segments.append(current)
            current = []
            continue
        x = left + step * index
        y = top + plot_h * (1 - value / peak)
        current.append((x, y, value, labels[index]))
    if current:
        segments.append(current)
    for segment in segments:
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in segment)
        parts.append(f'<polyline points="{points}" fill="none" stroke="{DEFAULT_COLOUR}" stroke-width="2"/>')
        for x, y, value, label in segment:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{DEFAULT_COLOUR}">'
                         f'<title>{escape(label)}: {_fmt(value)}{escape(unit)}</title></circle>')
    every = max(1, len(labels) // 6)
    for index, label in enumerate(labels):
        if index % every == 0 or index == len(labels) - 1:
            parts.append(f'<text x="{left + step * index:.1f}" y="{height - 10}" text-anchor="middle" '
                         f'class="axis">{escape(label)}</text>')
    if not present:
        parts.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" class="axis">No data yet</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - built from escaped labels and numbers only


def stacked_bars(rows: list[tuple[str, dict[str, float]]], *, title: str, keys: list[str],
                 percent: bool = False, width: int = 640, bar_height: int = 18) -> SafeString:
    """Horizontal bars, one per row, split by ``keys`` (e.g. fail / warn / pass)."""
    label_w, right, top = 190, 60, 24
    height = top + max(len(rows), 1) * (bar_height + 6) + 24
    plot_w = width - label_w - right
    peak = max((sum(values.values()) for _, values in rows), default=0) or 1
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" aria-label="{escape(title)}">',
             f'<title>{escape(title)}</title>', f'<text x="0" y="14" class="chart-title">{escape(title)}</text>']
    for index, (label, values) in enumerate(rows):
        y = top + index * (bar_height + 6)
        parts.append(f'<text x="{label_w - 6}" y="{y + bar_height - 5}" text-anchor="end" class="axis">'
                     f'{escape(label)}</text>')
        x = float(label_w)
        total = sum(values.values())
        for key in keys:
            value = values.get(key, 0)
            if not value:
                continue
            w = plot_w * value / (total if percent else peak)
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_height}" '
                         f'fill="{COLOURS.get(key, DEFAULT_COLOUR)}"><title>{escape(label)} {escape(key)}: '
                         f'{_fmt(value)}</title></rect>')
            x += w
        shown = "100%" if percent and total else _fmt(total)
        parts.append(f'<text x="{x + 4:.1f}" y="{y + bar_height - 5}" class="axis">{shown}</text>')
    if not rows:
        parts.append(f'<text x="{width / 2}" y="{top + 14}" text-anchor="middle" class="axis">No data yet</text>')
    legend_y = height - 6
    for index, key in enumerate(keys):
        x = label_w + index * 120
        parts.append(f'<rect x="{x}" y="{legend_y - 9}" width="10" height="10" '
                     f'fill="{COLOURS.get(key, DEFAULT_COLOUR)}"/>'
                     f'<text x="{x + 14}" y="{legend_y}" class="axis">{escape(key)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - built from escaped labels and numbers only
