#!/usr/bin/env python3
"""The capacity plot as a browser draws it: headless chromium renders the typical report's SVG,
its HTML page, and a probe page (the SVG plus a script that writes each label's on-screen box into
the DOM), then this checks the screenshots are not blank, both plot areas contain coloured data,
and every title, axis and legend label has a non-empty box inside the viewport with dark (text)
pixels in it.

Usage: render_test.py PATH/TO/jwtx_plot_render
Exit 0 pass, 1 fail, 77 skipped (chromium not installed; scripts/deps.sh installs it).
PNG decoding is python3's zlib (no imaging library needed).
"""
import html
import json
import pathlib
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

# Chromium's headless screenshots come out blank below some window size (300x100 did), so the
# window is larger than the 1000 x 480 SVG.
WIDTH, HEIGHT = 1100, 700
EXPECTED_LABELS = {
    "axis-label": {"workers", "throughput (tokens/s)", "offered load (tokens/s)",
                   "latency (ms, log scale)"},
    "legend-label": {"measured", "ideal linear scaling", "BoringSSL ceiling \u00d7 workers",
                     "p50", "p90", "p99", "p99.9", "saturated", "p99 target 2 ms"},
}

PROBE_SCRIPT = """
<pre id="boxes"></pre>
<script>
const boxes = [];
const selector = 'text.title, text.axis-label, text.legend-label, rect.plot-area';
for (const e of document.querySelectorAll(selector)) {
  const b = e.getBoundingClientRect();
  boxes.push({cls: e.getAttribute('class'), text: e.textContent,
              x: b.left, y: b.top, w: b.width, h: b.height});
}
document.getElementById('boxes').textContent = 'BOXES' + JSON.stringify(boxes) + 'END';
</script>
"""


def chromium_binary():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def start_chromium(chromium, profile, url, *extra):
    """A headless chromium on |url| with its own profile directory (so several run at once)."""
    # --disable-dev-shm-usage: containers often have a tiny /dev/shm, which crashes the renderer.
    command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--hide-scrollbars",
               "--force-device-scale-factor=1", f"--user-data-dir={profile}",
               f"--window-size={WIDTH},{HEIGHT}", *extra, url]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process):
    """stdout of a started chromium; raises on a non-zero exit or after 30 s (then kills it)."""
    try:
        stdout, stderr = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise
    if process.returncode != 0:
        raise RuntimeError(f"chromium exited {process.returncode}: {stderr[-2000:]}")
    return stdout


def decode_png(path):
    """(width, height, rows of (r, g, b) tuples) for an 8-bit RGB/RGBA non-interlaced PNG."""
    data = pathlib.Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path}: not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, color, _, _, interlace = header
    assert depth == 8 and color in (2, 6) and interlace == 0, f"{path}: unsupported PNG {header}"
    channels = 3 if color == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if kind == 1:
            for i in range(channels, stride):
                line[i] = (line[i] + line[i - channels]) & 0xFF
        elif kind == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, previous))
        elif kind == 3:
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = line[i - channels] if i >= channels else 0
                b, c = previous[i], previous[i - channels] if i >= channels else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append([tuple(line[x * channels:x * channels + 3]) for x in range(width)])
        previous = line
    return width, height, rows


def coloured(rgb):
    return max(rgb) - min(rgb) > 60


def dark(rgb):
    return sum(rgb) < 3 * 110


def count(rows, box, predicate):
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    return sum(1 for row in rows[max(y0, 0):y1] for rgb in row[max(x0, 0):x1] if predicate(rgb))


def check_not_blank(name, rows, failures):
    colours = {rgb for row in rows for rgb in row}
    coloured_pixels = sum(1 for row in rows for rgb in row if coloured(rgb))
    dark_pixels = sum(1 for row in rows for rgb in row if dark(rgb))
    print(f"{name}: {len(colours)} distinct colours, {coloured_pixels} coloured, "
          f"{dark_pixels} dark pixels")
    if len(colours) < 50 or coloured_pixels < 1000 or dark_pixels < 1000:
        failures.append(f"{name}: looks blank")


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    chromium = chromium_binary()
    if chromium is None:
        print("SKIP: chromium is not installed (scripts/deps.sh installs it)")
        return 77
    failures = []
    with tempfile.TemporaryDirectory(prefix="jwtx_render_") as tmp:
        out = pathlib.Path(tmp)
        subprocess.run([sys.argv[1], str(out)], check=True, timeout=30)
        svg = (out / "typical.svg").read_text(encoding="utf-8")
        probe = out / "probe.html"
        probe.write_text("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><style>body{margin:0;"
                         "background:white}svg{display:block}</style></head><body>" + svg +
                         PROBE_SCRIPT + "</body></html>", encoding="utf-8")
        pages = ("typical.svg", "typical.html", "probe.html")
        running = [start_chromium(chromium, out / f"profile-{i}", (out / page).as_uri(),
                                  f"--screenshot={out / page}.png") for i, page in enumerate(pages)]
        running.append(start_chromium(chromium, out / "profile-dom", probe.as_uri(), "--dump-dom"))
        try:
            dom = [finish(p) for p in running][-1]
        except (subprocess.TimeoutExpired, RuntimeError) as e:
            for p in running:
                if p.poll() is None:
                    p.kill()
                    p.communicate()
            print(f"FAIL chromium did not render: {e}")
            return 1
        found = re.search(r"BOXES(.*?)END", dom, re.S)
        if not found:
            print("FAIL probe page: no label boxes in the dumped DOM (script did not run?)")
            return 1
        boxes = json.loads(html.unescape(found.group(1)))

        images = {page: decode_png(f"{out / page}.png")[2] for page in pages}
        for page, rows in images.items():
            check_not_blank(page, rows, failures)

        probe_rows, svg_rows = images["probe.html"], images["typical.svg"]
        for cls, expected in EXPECTED_LABELS.items():
            seen = {b["text"] for b in boxes if b["cls"] == cls}
            if seen != expected:
                failures.append(f"{cls}: expected {sorted(expected)}, found {sorted(seen)}")
        for b in boxes:
            box = (b["x"], b["y"], b["x"] + b["w"], b["y"] + b["h"])
            inside = (b["w"] > 0 and b["h"] > 0 and box[0] >= 0 and box[1] >= 0
                      and box[2] <= WIDTH and box[3] <= HEIGHT)
            if not inside:
                failures.append(f"{b['cls']} {b['text']!r}: box {box} empty or off screen")
            elif b["cls"] == "plot-area":
                # The probe places the SVG at (0, 0), as the SVG screenshot does.
                data = count(svg_rows, box, coloured)
                if data < 300:
                    failures.append(f"plot area at {box}: only {data} coloured (data) pixels")
            elif count(probe_rows, box, dark) < 5:
                failures.append(f"{b['cls']} {b['text']!r}: no dark pixels in {box}: not drawn")
        labels = [b for b in boxes if b["cls"] != "plot-area"]
        print(f"{len(labels)} labels checked, {len(boxes) - len(labels)} plot areas checked")
    for f in failures:
        print("FAIL", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
