"""HTML for a training's view: the live widget shows it, and it is what a saved notebook keeps once work ends.

Plain HTML and inline SVG only, so the view reads the same in JupyterLab, in a reopened notebook without a kernel,
in nbconvert's output and on GitHub.
"""

from __future__ import annotations

from html import escape

__all__ = ["badge", "chart", "escape", "header", "log_tail", "series_from", "view"]

#: Console status words → colour: running / complete / failed / stopped (the lab uses the same).
COLOURS = {"running": "#1a73e8", "complete": "#188038", "failed": "#d93025", "stopped": "#5f6368"}
CHART_COLOURS = ("#1a73e8", "#e8710a", "#188038", "#d93025", "#9334e6", "#12b5cb")
MAX_CHARTS = 4


def status_colour(status: str) -> str:
    if "FAIL" in status:
        return COLOURS["failed"]
    if status in ("COMPLETE", "ACTIVE", "SUCCEEDED"):
        return COLOURS["complete"]
    if status in ("STOPPED", "KILLED"):
        return COLOURS["stopped"]
    return COLOURS["running"]


def badge(status: str) -> str:
    colour = status_colour(status)
    return (
        f'<span style="background:{colour};color:#fff;border-radius:3px;padding:1px 6px;'
        f'font-size:0.85em;font-weight:600">{escape(status)}</span>'
    )


def duration(seconds: float) -> str:
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h {minutes:02d}m {secs:02d}s" if hours else f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


def header(training: dict) -> str:
    name = escape(training.get("trainingName", "?"))
    experiment = escape((training.get("experiment") or {}).get("experimentName") or "")
    status = training.get("trainingStatusCode", "?")
    parts = [
        f"<b>{name}</b>",
        badge(status),
        f"elapsed {duration(training.get('elapsedTimeSeconds') or 0)}",
    ]
    if experiment:
        parts.append(f"experiment <i>{experiment}</i>")
    reason = training.get("statusReason")
    line = " &nbsp;·&nbsp; ".join(parts)
    if reason and status not in ("COMPLETE", "RUNNING"):
        line += f'<div style="color:{status_colour(status)};margin-top:2px">{escape(reason)}</div>'
    return f'<div class="em-training-header" style="font-family:var(--jp-ui-font-family,sans-serif)">{line}</div>'


def log_tail(lines: list[str]) -> str:
    text = escape("\n".join(lines)) if lines else "(no log lines yet)"
    return (
        '<pre class="em-training-logs" style="max-height:16em;overflow:auto;margin:4px 0;padding:4px 6px;'
        'background:var(--jp-layout-color2,#f5f5f5);color:var(--jp-content-font-color1,#111);font-size:0.85em">'
        f"{text}</pre>"
    )


def chart(series: dict[str, list[tuple[float, float]]], width: int = 260, height: int = 120) -> str:
    """One small line chart per metric (value over step), side by side; nothing when there are no metrics."""
    if not series:
        return ""
    charts = [_one_chart(name, points, CHART_COLOURS[i % len(CHART_COLOURS)], width, height)
              for i, (name, points) in enumerate(list(series.items())[:MAX_CHARTS])]  # fmt: skip
    return f'<div class="em-training-metrics" style="display:flex;flex-wrap:wrap;gap:8px">{"".join(charts)}</div>'


def _one_chart(name: str, points: list[tuple[float, float]], colour: str, width: int, height: int) -> str:
    pad_left, pad_bottom, pad_top = 44, 16, 18
    inner_w, inner_h = width - pad_left - 6, height - pad_bottom - pad_top
    steps = [p[0] for p in points]
    values = [p[1] for p in points]
    x0, x1 = min(steps), max(steps)
    y0, y1 = min(values), max(values)
    if y0 == y1:
        y0, y1 = y0 - 0.5, y1 + 0.5
    span_x = (x1 - x0) or 1

    def xy(step: float, value: float) -> str:
        x = pad_left + (step - x0) / span_x * inner_w
        y = pad_top + (1 - (value - y0) / (y1 - y0)) * inner_h
        return f"{x:.1f},{y:.1f}"

    path = " ".join(xy(s, v) for s, v in points)
    dot = "".join(f'<circle cx="{xy(s, v).split(",")[0]}" cy="{xy(s, v).split(",")[1]}" r="2" fill="{colour}"/>'
                  for s, v in points) if len(points) <= 30 else ""  # fmt: skip
    latest = values[-1]
    text = 'font-size="10" fill="currentColor"'
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(name)} over steps, latest {latest:g}" style="color:var(--jp-ui-font-color1,#333)">'
        f"<title>{escape(name)}: {len(points)} points, latest {latest:g}</title>"
        f'<text x="{pad_left}" y="12" {text} font-weight="600">{escape(name)} = {latest:.4g}</text>'
        f'<text x="2" y="{pad_top + 8}" {text}>{y1:.3g}</text>'
        f'<text x="2" y="{pad_top + inner_h}" {text}>{y0:.3g}</text>'
        f'<text x="{pad_left}" y="{height - 3}" {text}>{x0:g}</text>'
        f'<text x="{width - 6}" y="{height - 3}" {text} text-anchor="end">step {x1:g}</text>'
        f'<rect x="{pad_left}" y="{pad_top}" width="{inner_w}" height="{inner_h}" fill="none" '
        'stroke="currentColor" stroke-opacity="0.2"/>'
        f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="1.5"/>{dot}</svg>'
    )


def view(training: dict, lines: list[str], series: dict[str, list[tuple[float, float]]]) -> str:
    """The whole view as one HTML fragment (the static form of the widget)."""
    return f'<div class="em-training">{header(training)}{chart(series)}{log_tail(lines)}</div>'


def series_from(metric_points: list[dict]) -> dict[str, list[tuple[float, float]]]:
    """The API's metricList ([{name, step, value, time}]) as {name: [(step, value), …]} in step order."""
    series: dict[str, list[tuple[float, float]]] = {}
    for point in metric_points:
        series.setdefault(point["name"], []).append((point["step"], point["value"]))
    return {name: sorted(points) for name, points in series.items()}
