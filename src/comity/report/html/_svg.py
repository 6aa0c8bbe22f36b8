"""The report's two pictures, drawn as SVG by code: the timeline and the asset flows.

Why by code, and with the standard library's ElementTree: the pictures are a few
hundred rectangles, circles, paths and labels at computed positions, so a chart
library would bring a JavaScript runtime or a large dependency for little; a graph
layout tool (Graphviz) is a binary the report would need on every machine. Building
elements (never concatenating markup) means every id, name and amount from the log is
escaped by the serialiser, and the SVG is inline: no file, font or script to load.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from comity.report.html._view import AssetView, CaseView, Mark
from comity.report.labels import Translate

__all__ = ["flows_svg", "timeline_svg"]

_WIDTH = 1000
_LABEL_W = 70  # the lane labels on the left
_LANE_H = 54
_ROW = 11  # the vertical step between marks that would overlap


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: object) -> ET.Element:
    element = ET.SubElement(
        parent, tag, {k.rstrip("_").replace("_", "-"): str(v) for k, v in attrs.items()}
    )
    if text is not None:
        element.text = text
    return element


def _title(parent: ET.Element, text: str) -> None:
    _el(parent, "title", text)


def _svg(height: int, label: str, css_class: str) -> ET.Element:
    return ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "viewBox": f"0 0 {_WIDTH} {height}",
            "role": "img",
            "aria-label": label,
            "class": css_class,
        },
    )


def _text(root: ET.Element) -> str:
    return ET.tostring(root, encoding="unicode", short_empty_elements=True)


# --------------------------------------------------------------------------- timeline


class _Scale:
    def __init__(self, first: dt.date, last: dt.date) -> None:
        pad = max(7, (last - first).days // 40)
        self.first = first - dt.timedelta(days=pad)
        self.last = last + dt.timedelta(days=pad)
        self.span = max((self.last - self.first).days, 1)

    def x(self, day: dt.date) -> float:
        return round(_LABEL_W + (day - self.first).days * (_WIDTH - _LABEL_W - 10) / self.span, 1)


def _ticks(scale: _Scale) -> list[tuple[dt.date, str]]:
    """Year starts, or month starts when the case spans little more than a year."""
    out = []
    monthly = scale.span <= 500
    day = dt.date(scale.first.year, scale.first.month, 1)
    while day <= scale.last:
        if day >= scale.first and (monthly or day.month == 1):
            out.append((day, day.strftime("%Y-%m") if monthly else str(day.year)))
        day = dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return out


def _rows(marks: Sequence[Mark], scale: _Scale) -> list[int]:
    """The sub-row of each mark in its lane, so that marks of nearby days do not hide
    each other (a greedy packing, in the marks' order)."""
    last_x: dict[tuple[str, int], float] = {}
    rows = []
    for mark in marks:
        x = scale.x(mark.day)
        row = 0
        while x - last_x.get((mark.lane, row), -1e9) < 9 and row < 3:
            row += 1
        last_x[(mark.lane, row)] = x
        rows.append(row)
    return rows


def _marker(parent: ET.Element, mark: Mark, x: float, y: float) -> None:
    group = _el(
        parent, "g", class_=f"mark mark-{mark.kind} {mark.state}".strip(), data_ref=mark.ref
    )
    _title(group, mark.title)
    if mark.kind == "order":
        _el(group, "rect", x=x - 4, y=y - 4, width=8, height=8)
    elif mark.kind == "request":
        _el(group, "path", d=f"M{x} {y - 5} L{x + 5} {y + 4} L{x - 5} {y + 4} Z")
    elif mark.kind == "deadline":
        _el(group, "path", d=f"M{x} {y - 6} L{x + 5} {y} L{x} {y + 6} L{x - 5} {y} Z")
    else:
        _el(group, "circle", cx=x, cy=y, r=3.5)


def timeline_svg(view: CaseView, _: Translate) -> str:
    """One lane per jurisdiction; orders in force as bars; events, orders, requests
    and deadlines as marks; the as-of day as a line."""
    lanes = list(view.jurisdictions) or [view.lead or "?"]
    top = 26
    height = top + _LANE_H * len(lanes) + 34
    scale = _Scale(view.first_day, view.last_day)
    root = _svg(height, _("Timeline"), "timeline")
    axis = _el(root, "g", class_="axis")
    for day, label in _ticks(scale):
        x = scale.x(day)
        _el(axis, "line", x1=x, y1=top - 6, x2=x, y2=height - 28, class_="tick")
        if x < _WIDTH - 44:  # a label cut by the edge would say a wrong date
            _el(axis, "text", label, x=x + 2, y=top - 10, class_="tick-label")
    y_of = {lane: top + _LANE_H * n for n, lane in enumerate(lanes)}
    for lane in lanes:
        y = y_of[lane]
        group = _el(root, "g", class_="lane", data_jurisdiction=lane)
        _el(group, "rect", x=0, y=y, width=_WIDTH, height=_LANE_H, class_="lane-bg")
        words = f"{lane} ({_('lead')})" if lane == view.lead else lane
        _el(group, "text", words, x=6, y=y + _LANE_H / 2 + 4, class_="lane-label")
    for span in view.spans:
        if span.lane not in y_of:
            continue
        x1, x2 = scale.x(span.start), scale.x(span.end)
        bar = _el(root, "g", class_=f"span span-{span.order_type}")
        _title(bar, span.title)
        _el(
            bar,
            "rect",
            x=x1,
            y=y_of[span.lane] + _LANE_H - 10,
            width=max(x2 - x1, 2),
            height=5,
            rx=2,
        )
    rows = _rows(view.marks, scale)
    for mark, row in zip(view.marks, rows, strict=True):
        if mark.lane not in y_of:
            continue
        _marker(root, mark, scale.x(mark.day), y_of[mark.lane] + 12 + row * _ROW)
    x = scale.x(view.as_of_day)
    now = _el(root, "g", class_="as-of")
    _el(now, "line", x1=x, y1=top - 4, x2=x, y2=height - 28)
    right = x > _WIDTH - 90  # near the right edge: the label goes left of the line
    _el(
        now,
        "text",
        view.as_of_day.isoformat(),
        x=x - 3 if right else x + 3,
        y=height - 16,
        text_anchor="end" if right else "start",
    )
    legend = _el(root, "g", class_="legend")
    for n, kind in enumerate(("event", "order", "request", "deadline")):
        lx = _LABEL_W + n * 120
        _marker(
            legend,
            Mark(kind=kind, day=view.as_of_day, lane="", title=_(kind), ref=""),
            lx,
            height - 6,
        )
        _el(legend, "text", _(kind), x=lx + 9, y=height - 2)
    return _text(root)


# --------------------------------------------------------------------------- flows

_GAP = 16
_ARC = 58  # how far above the higher end an arrow's arc peaks, at least
_TOP = 96  # room above each row of columns for the arcs and their amounts


def _node_h(asset: AssetView | None) -> int:
    """A node's height: its name and value, then one line per state."""
    return 34 + 12 * (len(asset.states) if asset is not None else 0)


def _states(asset: AssetView, _: Translate) -> str:
    return ", ".join(_(s) for s in asset.states)


def flows_svg(view: CaseView, _: Translate) -> str:
    """Assets as nodes in a column per jurisdiction, transfers and returns as arrows
    with their amounts; frozen, seized, confiscated and returned assets marked."""
    columns = [j for j in view.jurisdictions if any(a.jurisdiction == j for a in view.assets)]
    for t in view.transfers:  # a jurisdiction value went to, even with no asset there
        for j in (t.from_jurisdiction, t.to_jurisdiction):
            if j not in columns:
                columns.append(j)
    if not columns:
        columns = [view.lead or "?"]
    per_row = min(len(columns), 6)
    col_w = (_WIDTH - 20) / per_row
    stacks = {j: [a for a in view.assets if a.jurisdiction == j] for j in columns}
    tallest = max((sum(_node_h(a) + _GAP for a in v) for v in stacks.values()), default=0)
    box_h = 34 + max(tallest, _node_h(None) + _GAP)
    room = _TOP if view.transfers else 12  # arcs need room above the columns
    band = box_h + room
    bands = (len(columns) + per_row - 1) // per_row
    height = int(10 + bands * band)
    root = _svg(height, _("Asset flows"), "flows")
    defs = _el(root, "defs")
    for name in ("transfer", "returned"):
        marker = _el(
            defs, "marker", id=f"arrow-{name}", viewBox="0 0 10 10", refX=9, refY=5,
            markerWidth=7, markerHeight=7, orient="auto-start-reverse",
        )  # fmt: skip
        _el(marker, "path", d="M0 0 L10 5 L0 10 z", class_=f"arrowhead-{name}")
    where: dict[str, tuple[float, float, float]] = {}  # asset id -> centre, height
    box: dict[str, tuple[float, float, float, float]] = {}
    for n, j in enumerate(columns):
        bx = 10 + (n % per_row) * col_w + 8
        by = room + (n // per_row) * band
        bw = col_w - 16
        box[j] = (bx, by, bw, box_h)
        group = _el(root, "g", class_="jurisdiction", data_jurisdiction=j)
        _el(group, "rect", x=bx, y=by, width=bw, height=box_h, rx=8, class_="jurisdiction-box")
        words = f"{j} ({_('lead')})" if j == view.lead else j
        _el(group, "text", words, x=bx + 8, y=by + 18, class_="jurisdiction-label")
        ny = by + 28
        for asset in stacks[j]:
            nx, nw, nh = bx + 8, bw - 16, _node_h(asset)
            states = [state.replace(" ", "-") for state in asset.states]
            classes = " ".join(["asset", *states, "" if asset.located else "unlocated"])
            node = _el(group, "g", class_=classes.strip(), data_asset=asset.asset_id)
            tip = [asset.asset_id, asset.asset_type, asset.holder, asset.value, _states(asset, _)]
            if not asset.located:
                tip.append(_("not located"))
            _title(node, " · ".join(t for t in tip if t))
            _el(node, "rect", x=nx, y=ny, width=nw, height=nh, rx=5, class_="asset-box")
            name = f"{asset.asset_id} {asset.asset_type}".strip()
            _el(node, "text", name, x=nx + 6, y=ny + 15, class_="asset-id")
            _el(node, "text", asset.value, x=nx + 6, y=ny + 28, class_="asset-value")
            for k, state in enumerate(asset.states):
                _el(
                    node,
                    "text",
                    _(state),
                    x=nx + 6,
                    y=ny + 40 + 12 * k,
                    class_=f"asset-state state-{state.replace(' ', '-')}",
                )
            where[asset.asset_id] = (nx + nw / 2, ny + nh / 2, nh)
            ny += nh + _GAP
    arrows = _el(root, "g", class_="arrows")
    for n, t in enumerate(view.transfers):
        if t.source not in where:
            continue
        sx, sy, sh = where[t.source]
        if t.target is not None and t.target in where:
            tx, ty, th = where[t.target]
            ty -= th / 2  # the target node's top
        elif t.to_jurisdiction in box:
            ox, oy, ow, _oh = box[t.to_jurisdiction]
            tx, ty = ox + ow / 2, oy + 22  # under the jurisdiction's name
        else:
            continue
        # Arrows leave the top of the source and arc above the columns, so that they
        # cross no node; each arcs a little higher than the one before.
        sy -= sh / 2
        lift = _ARC + 16 * (n % 3)
        top = min(sy, ty) - lift
        if abs(tx - sx) < 1:  # the same column: loop out to the right
            control = (sx + col_w / 2, (sy + ty) / 2)
        else:
            control = ((sx + tx) / 2, 2 * top - (sy + ty) / 2)
        peak = ((sx + 2 * control[0] + tx) / 4, (sy + 2 * control[1] + ty) / 4)
        group = _el(arrows, "g", class_=f"flow flow-{t.kind}", data_transfer=t.transfer_id)
        route = f"{t.from_jurisdiction} → {t.to_jurisdiction}"
        _title(group, f"{t.day.isoformat()} {t.transfer_id} {route} {t.amount}")
        curve = f"M{sx:.1f} {sy:.1f} Q{control[0]:.1f} {control[1]:.1f} {tx:.1f} {ty:.1f}"
        _el(group, "path", d=curve, marker_end=f"url(#arrow-{t.kind})", class_="flow-line")
        label = t.amount or _(t.kind)
        _el(group, "text", label, x=f"{peak[0]:.1f}", y=f"{peak[1] - 4:.1f}", class_="flow-label")
    return _text(root)
