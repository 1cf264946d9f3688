"""The reading map as one standalone HTML file: inline SVG, inline CSS and a little inline script.

Nothing is fetched when it opens (no CDN, no fonts, no external script), so it works offline and
from any folder. Every string from the library is escaped for HTML, and the data block is JSON
with `<`, `>` and `&` escaped, so no title can close the script or inject markup; the script
writes titles with textContent only.
"""

from __future__ import annotations

import html
import json
from typing import Any

PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
           "#ff9da7", "#9c755f", "#17becf", "#8c564b", "#bcbd22")
NO_THEME = "#b8b8b8"
WIDTH, HEIGHT, PAD = 1000, 700, 24


def colour(index: int | None) -> str:
    return NO_THEME if index is None else PALETTE[index % len(PALETTE)]


def _dark(hex_colour: str) -> str:
    """The colour at 60% brightness, so a name reads on white and still says its theme."""
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"#{int(r * 0.6):02x}{int(g * 0.6):02x}{int(b * 0.6):02x}"


def _json_for_script(data: Any) -> str:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def _xy(x: float, y: float) -> tuple[float, float]:
    return (round(PAD + x * (WIDTH - 2 * PAD), 1), round(PAD + y * (HEIGHT - 2 * PAD), 1))


def render_map_html(data: dict[str, Any], *, title: str = "Your reading") -> str:
    """The page for ReadingMap.to_dict() output."""
    themes = {t["id"]: t for t in data["themes"]}
    esc = html.escape
    circles = []
    for p in data["points"]:
        theme = themes.get(p["theme_id"])
        x, y = _xy(p["x"], p["y"])
        fill = colour(theme["colour"] if theme else None)
        hover = p["title"] + (f" — {theme['title']}" if theme else "")
        circles.append(f'<circle cx="{x}" cy="{y}" r="4" fill="{fill}" data-id="{p["article_id"]}"'
                       f' data-theme="{p["theme_id"] if p["theme_id"] is not None else ""}">'
                       f"<title>{esc(hover)}</title></circle>")
    labels = []
    placed: list[tuple[float, float, float, float]] = []  # boxes of the names written so far
    for t in data["themes"]:
        x, y = _xy(t["x"], t["y"])
        anchor = "end" if t["x"] > 0.8 else "start" if t["x"] < 0.2 else "middle"
        width = 8.5 * len(t["title"])
        left = x - width if anchor == "end" else x if anchor == "start" else x - width / 2
        y -= 8
        for _ in range(12):  # step down until it overlaps no other name
            if not any(left < b[2] and b[0] < left + width and y - 15 < b[3] and b[1] < y + 3
                       for b in placed):
                break
            y += 18
        placed.append((left, y - 15, left + width, y + 3))
        labels.append(f'<text x="{x}" y="{round(y, 1)}" text-anchor="{anchor}" class="name" '
                      f'data-theme="{t["id"]}" style="fill:{_dark(colour(t["colour"]))}">'
                      f'{esc(t["title"])}</text>')
    legend = []
    for t in data["themes"]:
        legend.append(f'<li data-theme="{t["id"]}"><span class="swatch" style="background:'
                      f'{colour(t["colour"])}"></span>{esc(t["title"])} '
                      f'<span class="count">{t["articles"]}</span></li>')
    loose = sum(1 for p in data["points"] if p["theme_id"] is None)
    if loose:
        legend.append(f'<li data-theme=""><span class="swatch" style="background:{NO_THEME}">'
                      f'</span>no broad theme <span class="count">{loose}</span></li>')
    notes = "".join(f"<p class=\"note\">{esc(n)}</p>" for n in data.get("notes", []))
    summary = (f"{len(data['points'])} articles, {len(data['themes'])} broad themes, laid out by "
               f"{esc(data['method'].upper())} (seed {data['seed']}). Nearby points read alike.")
    return PAGE.format(
        title=esc(title), summary=summary, notes=notes, width=WIDTH, height=HEIGHT,
        circles="\n".join(circles), labels="\n".join(labels), legend="\n".join(legend),
        data=_json_for_script({"points": [[p["article_id"], p["title"], p["state"] or "",
                                           p["theme_id"]] for p in data["points"]],
                               "themes": {str(t["id"]): t["title"] for t in data["themes"]}}),
    )


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>{title}</title>
<style>
body {{ font: 14px/1.4 system-ui, sans-serif; margin: 16px; color: #222; background: #fff; }}
h1 {{ font-size: 20px; margin: 0 0 4px; }}
.note, .summary {{ color: #666; margin: 2px 0; }}
main {{ display: flex; gap: 16px; align-items: flex-start; }}
svg {{ border: 1px solid #ddd; background: #fcfcfc; max-width: 100%; height: auto; cursor: crosshair; }}
circle {{ stroke: #fff; stroke-width: 0.8; }}
circle.dim {{ opacity: 0.15; }}
circle.pick {{ stroke: #000; stroke-width: 1.5; }}
.name {{ font-size: 15px; font-weight: 600; fill: #222; paint-order: stroke; stroke: #fff;
         stroke-width: 4px; stroke-linejoin: round; pointer-events: none; }}
aside {{ width: 340px; flex: none; }}
ul.legend {{ list-style: none; padding: 0; margin: 0 0 12px; }}
ul.legend li {{ cursor: pointer; padding: 2px 4px; border-radius: 3px; }}
ul.legend li:hover, ul.legend li.on {{ background: #eef; }}
.swatch {{ display: inline-block; width: 11px; height: 11px; border-radius: 50%; margin-right: 6px; }}
.count {{ color: #888; }}
#picked {{ max-height: 420px; overflow-y: auto; padding-left: 20px; margin: 4px 0; }}
#picked-head {{ font-weight: 600; }}
rect.box {{ fill: rgba(80, 80, 200, 0.08); stroke: #55c; stroke-dasharray: 4 3; }}
</style></head>
<body>
<h1>{title}</h1>
<p class="summary">{summary}</p>
{notes}
<main>
<svg id="map" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img"
 aria-label="Map of your reading">
<g id="points">
{circles}
</g>
<g id="labels">
{labels}
</g>
<rect id="box" class="box" x="0" y="0" width="0" height="0" visibility="hidden"></rect>
</svg>
<aside>
<ul class="legend" id="legend">
{legend}
</ul>
<p id="picked-head">Click a theme, or drag a box on the map, to list its articles.</p>
<ol id="picked"></ol>
</aside>
</main>
<script type="application/json" id="map-data">{data}</script>
<script>
(function () {{
  "use strict";
  var data = JSON.parse(document.getElementById("map-data").textContent);
  var byId = {{}};
  data.points.forEach(function (p) {{ byId[p[0]] = p; }});
  var svg = document.getElementById("map"), box = document.getElementById("box");
  var circles = Array.prototype.slice.call(svg.querySelectorAll("circle"));
  function show(head, ids) {{
    document.getElementById("picked-head").textContent = head + " (" + ids.length + ")";
    var list = document.getElementById("picked");
    list.textContent = "";
    ids.forEach(function (id) {{
      var p = byId[id], li = document.createElement("li");
      li.textContent = p[1] + (p[2] ? "  [" + p[2] + "]" : "") + "  #" + p[0];
      list.appendChild(li);
    }});
    var keep = {{}};
    ids.forEach(function (id) {{ keep[id] = true; }});
    circles.forEach(function (c) {{
      var on = keep[c.getAttribute("data-id")];
      c.classList.toggle("dim", !on);
      c.classList.toggle("pick", !!on);
    }});
  }}
  Array.prototype.forEach.call(document.querySelectorAll("#legend li"), function (li) {{
    li.addEventListener("click", function () {{
      var theme = li.getAttribute("data-theme");
      Array.prototype.forEach.call(document.querySelectorAll("#legend li"), function (o) {{
        o.classList.toggle("on", o === li);
      }});
      var ids = circles.filter(function (c) {{ return c.getAttribute("data-theme") === theme; }})
        .map(function (c) {{ return c.getAttribute("data-id"); }});
      show(theme ? data.themes[theme] : "No broad theme", ids);
    }});
  }});
  function at(evt) {{
    var pt = svg.createSVGPoint();
    pt.x = evt.clientX; pt.y = evt.clientY;
    return pt.matrixTransform(svg.getScreenCTM().inverse());
  }}
  var start = null;
  svg.addEventListener("mousedown", function (evt) {{ start = at(evt); }});
  svg.addEventListener("mousemove", function (evt) {{
    if (!start) return;
    var p = at(evt);
    box.setAttribute("x", Math.min(p.x, start.x)); box.setAttribute("y", Math.min(p.y, start.y));
    box.setAttribute("width", Math.abs(p.x - start.x));
    box.setAttribute("height", Math.abs(p.y - start.y));
    box.setAttribute("visibility", "visible");
  }});
  svg.addEventListener("mouseup", function (evt) {{
    if (!start) return;
    var p = at(evt), x0 = Math.min(p.x, start.x), x1 = Math.max(p.x, start.x);
    var y0 = Math.min(p.y, start.y), y1 = Math.max(p.y, start.y);
    start = null;
    box.setAttribute("visibility", "hidden");
    if (x1 - x0 < 3 && y1 - y0 < 3) return;
    var ids = circles.filter(function (c) {{
      var cx = +c.getAttribute("cx"), cy = +c.getAttribute("cy");
      return cx >= x0 && cx <= x1 && cy >= y0 && cy <= y1;
    }}).map(function (c) {{ return c.getAttribute("data-id"); }});
    show("Articles in the box", ids);
  }});
}})();
</script>
</body></html>
"""
