"""The PDF edition: printed from the same sources, with every chart drawn and the endnotes."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tools.pdf import OUTPUT, print_pdf

ROOT = Path(__file__).resolve().parents[1]


def test_pdf_edition_has_every_chart_and_the_endnotes(site):
    jb = Path(sys.executable).parent / "jupyter-book"
    built = subprocess.run([str(jb), "build", ".", "--builder", "singlehtml", "--warningiserror", "--nitpick",
                            "--keep-going"], cwd=ROOT, capture_output=True, text=True)
    assert built.returncode == 0, (built.stdout + built.stderr)[-3000:]
    charts_on_site = sum(p.read_text(encoding="utf-8").count('class="evidence-chart"')
                         for p in (site / "notebooks").glob("*.html"))
    checked = print_pdf()
    assert checked["charts"] == charts_on_site > 0, checked
    assert checked["drawn"] == checked["charts"], checked
    assert checked["endnotes"] > 0, "no endnotes in the printed page"
    pdf = OUTPUT.read_bytes()
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) > 10
