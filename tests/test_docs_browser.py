"""The static docs site in a real browser: build it (tools/build_docs.py), open its index in headless Chromium, follow the
link to tutorial 1 and check that its figures render (every <img> loaded, with a non-zero natural size).

The committed tutorial carries its figures (`make nbs`). When it has none (its outputs were cleared), the test first
executes a copy of it at its CI size with the same tool as `make nbs` (tools/run_nbs.py), so the whole path is tested:
execute, make static, build, render. Screenshots of the index and of the tutorial page go to $DNN_LAB_ARTIFACTS
(default runs/ci-artifacts/). Needs Chromium and playwright like tests/test_browser.py (skips without them, fails under
CI=true). Only file:// URLs are loaded; any other request (the MathJax CDN) is blocked, as on a machine offline.
"""
from __future__ import annotations
import json, os, shutil, subprocess, sys
from pathlib import Path
import pytest
from test_browser import CHROMIUM, CHROMIUM_ARGS, artifacts_dir, require

ROOT = Path(__file__).resolve().parents[1]
TUTORIAL = Path('nbs/tutorials/01_forgetting.ipynb')
sys.path.insert(0, str(ROOT / 'tools'))

pytestmark = pytest.mark.slow


def n_images(nb: Path) -> int:
    return sum('image/png' in o.get('data', {}) for c in json.loads(nb.read_text())['cells'] for o in c.get('outputs', []))


@pytest.fixture
def site(tmp_path):
    "The docs site built into a temporary folder, with tutorial 1 executed (a copy at CI size) if it has no figures."
    import build_docs
    override = {}
    if n_images(ROOT / TUTORIAL) == 0:
        copy = ROOT / TUTORIAL.parent / f'_docs_test_{os.getpid()}_{TUTORIAL.name}'     # next to the original: same relative paths
        shutil.copy(ROOT / TUTORIAL, copy)
        try:
            env = {**os.environ, 'DNN_LAB_SMALL': '1', 'MPLBACKEND': 'Agg', 'PYTHONPATH': str(ROOT)}
            r = subprocess.run([sys.executable, str(ROOT / 'tools/run_nbs.py'), '--exec-one', str(copy)], cwd=ROOT, env=env,
                               capture_output=True, text=True, timeout=1800)
            assert r.returncode == 0, f"executing {TUTORIAL} at CI size failed:\n{r.stdout[-2000:]}{r.stderr[-4000:]}"
            import run_nbs
            run_nbs.postprocess(copy)
            executed = tmp_path / TUTORIAL.name
            shutil.copy(copy, executed)
        finally:
            copy.unlink(missing_ok=True)
        assert n_images(executed) > 0, 'the executed tutorial has no figure'
        override[TUTORIAL] = executed
    nbs = [ROOT / TUTORIAL, ROOT / 'nbs/09_metrics.ipynb']
    return build_docs.build(tmp_path / 'site', nbs, override)


@pytest.fixture
def browser_ready():
    require(Path(CHROMIUM).exists(), f"Chromium not found at {CHROMIUM}")
    try: import playwright.sync_api  # noqa: F401
    except ImportError: require(False, "the python package playwright is not installed")


def test_docs_site_shows_tutorial_figures(browser_ready, site, capsys):
    from playwright.sync_api import sync_playwright
    shots = artifacts_dir()
    with capsys.disabled(): print(f"\ndocs browser test: screenshots -> {shots}/docs_index.png, {shots}/docs_tutorial.png")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={'width': 1200, 'height': 1800})
        page.route('**/*', lambda r: r.continue_() if r.request.url.startswith(('file:', 'data:')) else r.abort())
        try:
            page.goto((site / 'index.html').as_uri(), wait_until='load', timeout=60_000)
            assert 'two weeks' in page.inner_text('body'), 'the index has no course outline'
            page.screenshot(path=str(shots / 'docs_index.png'), full_page=True)
            link = page.locator(f'a[href$="{TUTORIAL.with_suffix(".html").name}"]').first
            assert link.count() == 1, 'the index has no link to tutorial 1'
            link.click()
            page.wait_for_load_state('load', timeout=60_000)
            assert page.url.endswith(TUTORIAL.with_suffix('.html').name), page.url
            imgs = page.evaluate("Array.from(document.images).map(i => ({ok: i.complete, w: i.naturalWidth, h: i.naturalHeight}))")
            assert imgs, 'the tutorial page shows no figure'
            bad = [k for k, i in enumerate(imgs) if not (i['ok'] and i['w'] > 0 and i['h'] > 0)]
            assert not bad, f'figures {bad} of {len(imgs)} did not render'
            page.locator('img').first.scroll_into_view_if_needed()
            page.screenshot(path=str(shots / 'docs_tutorial.png'))
        except Exception:
            page.screenshot(path=str(shots / 'docs_failed.png'))
            raise
        finally:
            browser.close()
