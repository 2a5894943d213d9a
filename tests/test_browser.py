"""The report in a real browser: headless Chromium opens index.html from disk at a laptop's
width; every image must load, no chart may be wider than the page, nothing may overflow
sideways (no chart is even scaled down to fit the page's column), and every in-page link must
lead to an anchor. Skipped without Chromium (`make test`
installs Debian's chromium when run by CI as root). The bundled reports (`make demo`) are checked
too when they have been built."""

import json
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
WIDTH = 1280
REPO = Path(__file__).resolve().parents[1]
BUNDLED = ["full-text", "headlines", "hand-labels"]  # the Makefile's demo reports
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="no chromium installed")

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
    const links = Array.from(doc.querySelectorAll('a[href^="#"]')).map(a => a.getAttribute('href'));
    out = {{images: images.length, loaded: images.filter(i => i.complete && i.naturalWidth > 0).length,
           broken: images.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt),
           widest: Math.max(0, ...images.map(i => i.naturalWidth)), page: root.clientWidth,
           column: Math.min(...images.map(i => i.parentElement.clientWidth)),
           too_wide: images.filter(i => i.naturalWidth > i.parentElement.clientWidth + 1
                                        || i.getBoundingClientRect().right > root.clientWidth + 1)
                           .map(i => i.alt + ' ' + i.naturalWidth + 'px'),
           links: links.length, dangling: links.filter(h => !doc.getElementById(decodeURIComponent(h.slice(1)))),
           files: Array.from(doc.querySelectorAll('a[href]')).map(a => a.getAttribute('href')).filter(h => !h.startsWith('#')),
           overflow: root.scrollWidth > root.clientWidth, wide: wide.slice(0, 5)}};
  }} catch (e) {{ out = {{error: String(e)}}; }}
  document.getElementById('result').textContent = JSON.stringify(out);
}});
</script></body></html>"""


def browser_checks(page: Path, tmp_path: Path) -> dict:
    """Open ``page`` in headless Chromium at 1,280 px and return what the harness measured."""
    name = f"{page.parent.name}-{len(list(tmp_path.iterdir()))}"
    harness = tmp_path / f"harness-{name}.html"
    harness.write_text(HARNESS.format(page=page.as_uri(), width=WIDTH), encoding="utf-8")
    dom = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / ('profile-' + name)}",
                          "--virtual-time-budget=15000", "--dump-dom", harness.as_uri()],
                         capture_output=True, text=True, timeout=300).stdout
    found = re.search(r'<pre id="result">(.*?)</pre>', dom, re.S)
    assert found, dom[:500]
    checks = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<")
                        .replace("&gt;", ">"))
    assert "error" not in checks, checks
    return checks


def assert_page_is_sound(page: Path, tmp_path: Path, *, min_images: int = 1) -> dict:
    """The browser checks every report must pass; returns the measurements."""
    checks = browser_checks(page, tmp_path)
    assert checks["images"] == len(list(page.parent.glob("*.png"))) >= min_images, checks
    assert checks["loaded"] == checks["images"] and not checks["broken"], checks        # every image loads
    assert not checks["too_wide"] and checks["widest"] <= checks["column"], checks      # no chart wider than the page
    assert not checks["overflow"] and not checks["wide"], checks                        # nothing overflows sideways
    assert checks["links"] > 0 and not checks["dangling"], checks                       # every in-page link lands
    missing = [f for f in checks["files"] if not f.startswith(("http:", "https:")) and not (page.parent / f).is_file()]
    assert not missing, missing                                                         # PNG/SVG/CSV links resolve
    return checks


def _report(runner, project, preds, out, *extra):
    result = runner.invoke(app, ["report", "--predictions", str(preds), "--model", str(project / "experiments/default"),
                                 "--out", str(out), "--root", str(project), "--n-boot", "200", *extra])
    assert result.exit_code == 0, result.output
    return out / "index.html"


@needs_chromium
def test_report_in_headless_chromium(project, tmp_path):
    runner = CliRunner()
    assert runner.invoke(app, ["train", "--root", str(project)]).exit_code == 0
    preds = project / "pred.csv"
    assert runner.invoke(app, ["predict", str(project / "corpus"), "--out", str(preds), "--model",
                               str(project / "experiments/default")]).exit_code == 0
    page = _report(runner, project, preds, project / "report", "--compare", "Daily", "Herald", "--min-articles", "2")
    assert_page_is_sound(page, tmp_path, min_images=7)
    result = runner.invoke(app, ["report", "--labels", "--root", str(project), "--out", str(project / "hand"),
                                 "--n-boot", "200", "--min-articles", "2"])
    assert result.exit_code == 0, result.output
    assert_page_is_sound(project / "hand" / "index.html", tmp_path, min_images=4)
    shot = tmp_path / "screenshot-test-report.png"  # never into the repository's reports/
    subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile-shot'}", f"--window-size={WIDTH},2000",
                    f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=180)
    assert shot.stat().st_size > 10_000


@needs_chromium
def test_report_of_three_new_articles_in_headless_chromium(project, tmp_path):
    """A user's own folder of three articles, outside the project's corpus: predicted with
    --keep-text so that the 'why' works; too few articles to rank, which the page says."""
    from conftest import write_article

    runner = CliRunner()
    assert runner.invoke(app, ["train", "--root", str(project)]).exit_code == 0
    folder = tmp_path / "mine"
    folder.mkdir()
    write_article(folder, "c-1", "Courier", "2025-04-01", ["upbeat sport", "gloomy weather"])
    write_article(folder, "c-2", "Courier", "2025-04-09", ["gloomy none", "upbeat weather"])
    write_article(folder, "c-3", "Courier", "2025-04-20", ["upbeat both", "gloomy sport"])
    preds = tmp_path / "mine.parquet"
    result = runner.invoke(app, ["predict", str(folder), "--out", str(preds), "--keep-text", "--model",
                                 str(project / "experiments/default")])
    assert result.exit_code == 0, result.output
    page = _report(runner, project, preds, tmp_path / "mine-report")
    checks = assert_page_is_sound(page, tmp_path, min_images=4)
    html = page.read_text()
    assert 'id="why-mood-upbeat-Courier"' in html and "Report c-1" in html  # the why has the texts
    assert "No outlet has 10 or more articles" in html and "Not shown, and why" in html
    assert checks["links"] >= 6


@needs_chromium
@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_report_in_headless_chromium(name, tmp_path):
    page = REPO / "reports" / name / "index.html"
    if not page.is_file():
        pytest.skip(f"reports/{name} not built (make demo)")
    checks = assert_page_is_sound(page, tmp_path, min_images=3)
    assert checks["links"] >= 5
