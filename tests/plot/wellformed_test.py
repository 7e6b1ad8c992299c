#!/usr/bin/env python3
"""Every sample report's SVG and HTML (written by jwtx_plot_render) is well-formed XML.

Usage: wellformed_test.py PATH/TO/jwtx_plot_render
The HTML page is written as XHTML-compatible HTML5, so an XML parser checks it too. Also checks
that the SVG root is an SVG element and that every panel has its axis labels.
"""
import pathlib
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"
REPORTS = ["typical", "empty", "single", "nan", "hostile", "extreme"]
AXIS_LABELS = {"workers", "throughput (tokens/s)", "offered load (tokens/s)",
               "latency (ms, log scale)"}


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    failures = []
    with tempfile.TemporaryDirectory(prefix="jwtx_plot_") as out:
        subprocess.run([sys.argv[1], out], check=True, timeout=30)
        for name in REPORTS:
            for ext in ("svg", "html"):
                path = pathlib.Path(out) / f"{name}.{ext}"
                try:
                    root = ET.parse(path).getroot()
                except (ET.ParseError, OSError) as e:
                    failures.append(f"{path.name}: not well-formed: {e}")
                    continue
                svg = root if ext == "svg" else root.find(f".//{SVG}svg")
                if svg is None or svg.tag != f"{SVG}svg":
                    failures.append(f"{path.name}: no <svg> element")
                    continue
                labels = {t.text for t in svg.iter(f"{SVG}text")
                          if t.get("class") == "axis-label"}
                if labels != AXIS_LABELS:
                    failures.append(f"{path.name}: axis labels {sorted(labels)}")
    for f in failures:
        print("FAIL", f)
    total = len(REPORTS) * 2
    print(f"{total - len(failures)}/{total} documents well-formed with axis labels")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
