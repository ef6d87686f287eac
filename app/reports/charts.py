"""Dashboard charts as inline SVG, drawn on the server by pygal (no JavaScript, no build step).

The SVG carries only a viewBox (no width or height), so the page's CSS scales it to the width of
the screen; fonts are large because a phone shows the chart at about half its drawn size.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from markupsafe import Markup

# The page's own fonts first (Chinese labels), then whatever sans-serif the system has.
FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'
# pygal (~60 ms to import) is imported where a chart is drawn: only the dashboard draws one.
STYLE = dict(
    font_family=FONT,
    background="transparent",
    plot_background="#ffffff",
    foreground="#222222",
    foreground_strong="#222222",
    foreground_subtle="#dddddd",
    colors=("#b22222", "#e0a030", "#777777", "#3a5a9a", "#2e7d32"),
    title_font_size=18,
    label_font_size=14,
    major_label_font_size=14,
    legend_font_size=15,
    value_font_size=14,
    value_label_font_size=14,
    tooltip_font_size=14,
    no_data_font_size=18,
)
WIDTH = 480  # drawn size; a phone shows it at about 0.7 of this, a PC at about 1.2


SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL)


def _config(no_data: str, **options) -> dict:
    from pygal.style import Style

    return {
        "js": [],  # pygal's default SVG loads a script from a CDN: nothing external here
        "disable_xml_declaration": True,  # inline in the page
        "explicit_size": False,  # a viewBox only: the SVG scales to its box
        "style": Style(**STYLE),
        "width": WIDTH,
        "height": 320,
        "legend_at_bottom": True,
        "truncate_legend": -1,
        "truncate_label": -1,
        "no_data_text": no_data,
        **options,
    }


def _wide_extra(texts: Sequence[str], size: int) -> int:
    """What pygal misses of the width of labels in Chinese: it counts every character as 0.6
    of the font size, a Chinese one takes a whole."""
    wide = max((sum(ord(ch) > 0x2E80 for ch in str(t)) for t in texts), default=0)
    return int(wide * 0.45 * size) + 4


def _svg(chart, label: str) -> Markup:
    # With js=[] pygal still writes its config for its (absent) script inline: drop it, so that
    # the page carries no script at all.
    svg = SCRIPT.sub("", chart.render(is_unicode=True))
    # An accessible name for screen readers; the numbers are in the table under each chart.
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{Markup.escape(label)}" ', 1))


def screenings_chart(months: Sequence[str], series: Sequence[tuple[str, Sequence[int]]], *,
                     title: str, no_data: str) -> Markup:
    """Screenings a month, stacked by status (held, planned, missed)."""
    import pygal

    chart = pygal.StackedBar(**_config(no_data, x_label_rotation=-45, min_scale=3, max_scale=8,
                                       legend_at_bottom_columns=max(1, len(series))))
    chart.x_labels = list(months)
    if any(any(values) for _name, values in series):
        for name, values in series:
            chart.add(name, list(values))
    return _svg(chart, title)


def hours_chart(months: Sequence[str], hours: Sequence[float], rates: Sequence[float], *,
                hours_label: str, rate_label: str, title: str, no_data: str) -> Markup:
    """Hours played a month (left axis) and the participation rate in percent (right axis)."""
    import pygal

    chart = pygal.Line(**_config(no_data, x_label_rotation=-45, min_scale=3, max_scale=8,
                                 dots_size=3, stroke_style={"width": 3}, include_x_axis=True,
                                 secondary_range=(0, 100), legend_at_bottom_columns=2,
                                 # the right axis maps the left one's ticks: round them
                                 value_formatter=lambda v: f"{v:.0f}"))
    chart.x_labels = list(months)
    if any(hours) or any(rates):
        chart.add(hours_label, list(hours))
        chart.add(rate_label, [round(r * 100, 1) for r in rates], secondary=True)
    return _svg(chart, title)


def coverage_chart(names: Sequence[str], rates: Sequence[float | None], *, label: str,
                   title: str, no_data: str) -> Markup:
    """Per series, the percentage of required sites holding it (horizontal bars, 0-100)."""
    import pygal

    chart = pygal.HorizontalBar(**_config(no_data, height=max(150, 60 + 45 * len(names)),
                                          range=(0, 100), print_values=True,
                                          value_formatter=lambda v: f"{v:g}%",
                                          show_legend=False,
                                          margin_left=_wide_extra(names, STYLE["label_font_size"])))
    chart.x_labels = list(names)
    values = [None if r is None else round(r * 100, 1) for r in rates]
    if any(v is not None for v in values):
        chart.add(label, values)
    return _svg(chart, title)
