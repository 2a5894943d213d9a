"""The report in a real browser: headless Chromium opens index.html from disk at a laptop's
width; every image must load and nothing may overflow sideways. Skipped without Chromium
(`make test` installs Debian's chromium when run by CI as root)."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from framing.cli import app

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--allow-file-access-from-files", "--hide-scrollbars"]

HARNESS = """<!doctype html><html><body><pre id="result">pending</pre>
<iframe id="f" src="{page}" style="width:{width}px;height:900px"></iframe>
<script>
window.addEventListener('load', function () {{
  let out;
  try {{
    const doc = document.getElementById('f').contentDocument;
    const root = doc.documentElement;
    const images = Array.from(doc.images);
    const wide = Array.from(doc.querySelectorAll('body *')).filter(e => {{
      const r = e.getBoundingClientRect(); return r.right > root.clientWidth + 1 && !e.closest('.scroll');
    }}).map(e => e.tagName + '.' + e.className);
    out = {{images: images.length, loaded: images.filter(i => i.complete && i.naturalWidth > 0).length,
           broken: images.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt),
           overflow: root.scrollWidth > root.clientWidth, wide: wide.slice(0, 5)}};
  }} catch (e) {{ out = {{error: String(e)}}; }}
  document.getElementById('result').textContent = JSON.stringify(out);
}});
</script></body></html>"""


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium installed")
def test_report_in_headless_chromium(project, tmp_path):
    runner = CliRunner()
    assert runner.invoke(app, ["train", "--root", str(project)]).exit_code == 0
    preds = project / "pred.csv"
    assert runner.invoke(app, ["predict", str(project / "corpus"), "--out", str(preds), "--model",
                               str(project / "experiments/default")]).exit_code == 0
    report = project / "report"
    result = runner.invoke(app, ["report", "--predictions", str(preds), "--model", str(project / "experiments/default"),
                                 "--out", str(report), "--root", str(project), "--n-boot", "200", "--compare", "Daily", "Herald"])
    assert result.exit_code == 0, result.output
    page = report / "index.html"
    harness = tmp_path / "harness.html"
    harness.write_text(HARNESS.format(page=page.as_uri(), width=1280), encoding="utf-8")
    dom = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=15000",
                          "--dump-dom", harness.as_uri()], capture_output=True, text=True, timeout=180).stdout
    import json

    found = re.search(r'<pre id="result">(.*?)</pre>', dom, re.S)
    assert found, dom[:500]
    checks = json.loads(found.group(1).replace("&quot;", '"'))
    assert checks["images"] == len(list(report.glob("*.png"))) >= 8, checks
    assert checks["loaded"] == checks["images"] and not checks["broken"], checks
    assert not checks["overflow"] and not checks["wide"], checks
    shot = Path(__file__).resolve().parents[1] / "reports" / "screenshot-test-report.png"
    shot.parent.mkdir(exist_ok=True)
    subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile2'}", "--window-size=1280,2000",
                    f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=180)
    assert shot.stat().st_size > 10_000
