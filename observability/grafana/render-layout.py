#!/usr/bin/env python3
"""Draws a dashboard's panel layout (gridPos rectangles with titles) as a PNG with ImageMagick.

    python3 observability/grafana/render-layout.py observability/grafana/dashboards/system.json \
        observability/grafana/system-dashboard-layout.png

Needs ImageMagick's `convert` and the DejaVu fonts (apt-get install imagemagick fonts-dejavu-core).
A picture of the layout, not of data: it shows what each panel plots.
"""
import json
import re
import subprocess
import sys

COLUMN, ROW, PAD, HEADER = 56, 34, 16, 56
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
COLOURS = {"row": "#2b2f36", "stat": "#1f4e79", "timeseries": "#3a3f47"}


def escape(text):
    return text.replace("\\", "\\\\").replace("'", "\\'")


def main(source, target):
    dashboard = json.load(open(source, encoding="utf-8"))
    panels = dashboard["panels"]
    bottom = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in panels)
    width, height = 24 * COLUMN + 2 * PAD, bottom * ROW + 2 * PAD + HEADER
    args = ["convert", "-size", f"{width}x{height}", "xc:#111217",
            "-font", BOLD, "-pointsize", "22", "-fill", "#e6e6e6",
            "-annotate", f"+{PAD}+{PAD + 26}", escape(dashboard["title"])]
    for panel in panels:
        g = panel["gridPos"]
        x0, y0 = PAD + g["x"] * COLUMN, PAD + HEADER + g["y"] * ROW
        x1, y1 = x0 + g["w"] * COLUMN - 6, y0 + g["h"] * ROW - 6
        kind = panel["type"]
        args += ["-fill", COLOURS.get(kind, "#3a3f47"), "-stroke", "#5a6069",
                 "-draw", f"rectangle {x0},{y0} {x1},{y1}", "-stroke", "none"]
        if kind == "row":
            args += ["-font", BOLD, "-pointsize", "15", "-fill", "#f2cc0c",
                     "-annotate", f"+{x0 + 8}+{y0 + 21}", escape(panel["title"])]
            continue
        args += ["-font", BOLD, "-pointsize", "14", "-fill", "#ffffff",
                 "-annotate", f"+{x0 + 8}+{y0 + 20}", escape(panel["title"])]
        lines = [t.get("legendFormat", "") for t in panel.get("targets", [])]
        lines = [f"{kind}: " + ", ".join(l for l in lines if l)][:1]
        metrics = sorted({word for t in panel.get("targets", []) for word in
                          re.findall(r"\b(?:ingress|proxy|redis|dapr|http)_[a-z_]+",
                                     re.sub(r"\{[^}]*\}|\bby \([^)]*\)", " ", t["expr"]))})
        text = lines + metrics
        max_lines = max(0, (y1 - y0 - 34) // 16)
        for i, line in enumerate(text[:max_lines]):
            limit = g["w"] * COLUMN // 8
            line = line if len(line) <= limit else line[: limit - 1] + "…"
            args += ["-font", FONT, "-pointsize", "12", "-fill", "#b7bdc6",
                     "-annotate", f"+{x0 + 8}+{y0 + 40 + i * 16}", escape(line)]
    args.append(target)
    subprocess.run(args, check=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
