"""The explorers in a real browser: JupyterLab on 127.0.0.1 and headless Chromium driven by Playwright.

Threshold explorer: opens nbs/tutorials/04_threshold.ipynb, runs all cells, moves the expand_threshold slider, presses
Run and checks that the accuracy-matrix heatmap and a run-history row appear. Method explorer: opens
nbs/tutorials/08_regularisation.ipynb, runs all cells, picks methods with the checkboxes, moves EWC's lambda, presses
Run and checks the matrices, the BWT / accuracy plane and the history (what each run reused and what changed). Each
saves a screenshot in $DNN_LAB_ARTIFACTS
(default runs/ci-artifacts/) and prints where. Needs Chromium at /usr/bin/chromium (`apt-get install -y chromium`,
or set DNN_LAB_CHROMIUM) and the `playwright` package (no browser download). Under CI=true a missing piece fails the
test; elsewhere it skips with the reason. The kernel gets DNN_LAB_SMALL=1: the notebook's small settings.
"""
from __future__ import annotations
import json, os, re, secrets, shutil, signal, socket, subprocess, sys, time, urllib.request
from contextlib import closing
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
NB = 'nbs/tutorials/04_threshold.ipynb'
CHROMIUM = os.environ.get('DNN_LAB_CHROMIUM', '/usr/bin/chromium')
CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
                 '--disable-component-update', '--disable-sync']
IN_CI = os.environ.get('CI', '').lower() == 'true'
INSTALL = "apt-get install -y chromium && pip install playwright (no `playwright install`: the test uses the system Chromium)"
# JupyterLab user settings: no autosave (the test must not write the notebook), no news or update checks (no network).
LAB_SETTINGS = {'@jupyterlab/docmanager-extension/plugin.jupyterlab-settings': {'autosave': False},
                '@jupyterlab/apputils-extension/notification.jupyterlab-settings': {'fetchNews': 'false', 'checkForUpdates': False}}

pytestmark = pytest.mark.slow


def require(ok: bool, why: str):
    "Fail under CI=true, skip elsewhere, when something the browser test needs is missing."
    if ok: return
    if IN_CI: pytest.fail(f"{why}; CI=true needs the browser test to run. Install it with: {INSTALL}", pytrace=False)
    pytest.skip(f"{why} (install: {INSTALL})")


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]


def api(base: str, token: str, path: str, method: str = 'GET'):
    req = urllib.request.Request(f'{base}{path}', method=method, headers={'Authorization': f'token {token}'})
    with urllib.request.urlopen(req, timeout=10) as r:
        body = r.read()
        return json.loads(body) if body else None


def artifacts_dir() -> Path:
    d = Path(os.environ.get('DNN_LAB_ARTIFACTS') or ROOT / 'runs' / 'ci-artifacts')
    d.mkdir(parents=True, exist_ok=True)
    return d


@pytest.fixture
def lab(tmp_path):
    "A JupyterLab server on a free port of 127.0.0.1 with a token and throwaway config/runtime/data dirs; always stopped."
    port, token = free_port(), secrets.token_hex(16)
    dirs = {k: tmp_path / k for k in ('config', 'runtime', 'data', 'settings', 'workspaces')}
    for d in dirs.values(): d.mkdir()
    for rel, v in LAB_SETTINGS.items():
        (dirs['settings'] / rel).parent.mkdir(parents=True, exist_ok=True); (dirs['settings'] / rel).write_text(json.dumps(v))
    env = {**os.environ, 'JUPYTER_CONFIG_DIR': str(dirs['config']), 'JUPYTER_RUNTIME_DIR': str(dirs['runtime']),
           'JUPYTER_DATA_DIR': str(dirs['data']), 'JUPYTER_PLATFORM_DIRS': '1', 'DNN_LAB_SMALL': '1', 'MPLBACKEND': 'Agg'}
    cmd = [sys.executable, '-m', 'jupyterlab', '--no-browser', '--ip=127.0.0.1', f'--port={port}', '--port-retries=0',
           f'--IdentityProvider.token={token}', f'--ServerApp.root_dir={ROOT}', f'--LabApp.user_settings_dir={dirs["settings"]}',
           f'--LabApp.workspaces_dir={dirs["workspaces"]}', '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate',
           '--LabApp.extension_manager=readonly', '--ServerApp.terminals_enabled=False']
    if hasattr(os, 'geteuid') and os.geteuid() == 0: cmd.append('--allow-root')          # CI machines run as root
    log_path = tmp_path / 'jupyterlab.log'
    base = f'http://127.0.0.1:{port}'
    with open(log_path, 'w') as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            deadline = time.monotonic() + 120
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"JupyterLab exited with code {proc.returncode} before it answered:\n{log_path.read_text()[-3000:]}", pytrace=False)
                try: api(base, token, '/api/status'); break
                except OSError:
                    if time.monotonic() > deadline: pytest.fail(f"JupyterLab did not answer on {base} within 120 s:\n{log_path.read_text()[-3000:]}", pytrace=False)
                    time.sleep(0.5)
            yield dict(base=base, token=token, log=log_path)
        finally:
            stop_server(proc, base, token)


def stop_server(proc, base, token):
    "Shut the kernels down through the API, then the server (SIGTERM to its process group, SIGKILL if it hangs)."
    if proc.poll() is None:
        try:
            for k in api(base, token, '/api/kernels') or []: api(base, token, f"/api/kernels/{k['id']}", 'DELETE')
        except OSError: pass
        for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
            try: os.killpg(proc.pid, sig)
            except ProcessLookupError: break
            try: proc.wait(wait); break
            except subprocess.TimeoutExpired: continue
    assert proc.poll() is not None, f"JupyterLab (pid {proc.pid}) is still running"


def accept_kernel_dialog(page, wait_ms: int = 5000):
    "Accept JupyterLab's 'Select Kernel' dialog (default Python 3) if it comes up."
    try: page.wait_for_selector('.jp-Dialog', timeout=wait_ms)
    except Exception: return
    page.locator('.jp-Dialog .jp-mod-accept').click()


def assert_no_cell_error(page):
    errors = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]')
    assert errors.count() == 0, f"a cell failed: {errors.first.inner_text()}"


def open_and_run_all(page, lab, nb, ready: str, timeout: int):
    "Open notebook `nb` in JupyterLab, accept the kernel, run all cells and wait for `ready` (the explorer's Run button); no cell may fail."
    page.goto(f"{lab['base']}/lab/tree/{nb}?token={lab['token']}", timeout=120_000)
    page.wait_for_selector('.jp-NotebookPanel .jp-Cell', timeout=120_000)
    accept_kernel_dialog(page)
    page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]', timeout=120_000)
    run_all_cells(page)
    page.wait_for_selector(ready, timeout=timeout)
    assert_no_cell_error(page)


def run_all_cells(page):
    page.locator('.lm-MenuBar-itemLabel', has_text=re.compile(r'^Run$')).click()
    page.locator('.lm-Menu-itemLabel', has_text=re.compile(r'^Run All Cells$')).click()


@pytest.fixture
def browser_ready():
    "Chromium and playwright are there (checked before JupyterLab starts)."
    require(Path(CHROMIUM).exists(), f"Chromium not found at {CHROMIUM}")
    try: import playwright.sync_api
    except ImportError: require(False, "the python package playwright is not installed")


def test_threshold_explorer_in_browser(browser_ready, lab, capsys):
    from playwright.sync_api import sync_playwright
    nb_file, ckpt = ROOT / NB, (ROOT / NB).parent / '.ipynb_checkpoints'
    nb_before, had_ckpt = nb_file.read_bytes(), ckpt.exists()
    shot = artifacts_dir() / 'threshold_explorer.png'
    with capsys.disabled(): print(f"\nbrowser test: screenshot -> {shot}; JupyterLab log -> {lab['log']}")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            page = browser.new_page(viewport={'width': 1400, 'height': 2600})
            try:
                open_and_run_all(page, lab, NB, 'button.dnn-lab-run', 180_000)

                # move the threshold: type into the slider's readout, as a user can
                readout = page.locator('.dnn-lab-expand_threshold .widget-readout')
                start = f"{float(readout.inner_text().strip()):.4g}"          # the threshold of settings.ini, as the history writes it
                readout.click(); page.keyboard.press('ControlOrMeta+a'); page.keyboard.type('0.35'); page.keyboard.press('Enter')
                page.wait_for_function("() => document.querySelector('.dnn-lab-expand_threshold .widget-readout').textContent.trim() === '0.35'", timeout=10_000)

                page.locator('button.dnn-lab-run').click()
                row = page.locator('.dnn-lab-history tbody tr', has_text=f'expand_threshold {start} → 0.35')
                row.wait_for(timeout=300_000)
                heat = page.locator('.dnn-lab-heatmap .js-plotly-plot')
                heat.wait_for(timeout=60_000)
                assert page.locator('.dnn-lab-heatmap .heatmaplayer').count() == 1, "the heatmap has no heatmap trace"
                assert 'after task 0' in heat.inner_text(), heat.inner_text()[:300]
                cells = row.locator('td').all_inner_texts()
                assert cells[:2] == ['1', '0.35'] and re.fullmatch(r'\d+\.\d', cells[3]), cells      # run 1 at 0.35, a square performance in %
                assert page.locator('.dnn-lab-timeline .js-plotly-plot').count() == 1
                page.locator('.dnn-lab-explorer').scroll_into_view_if_needed()
                page.screenshot(path=str(shot))
            except Exception:
                page.screenshot(path=str(shot.with_name('threshold_explorer_failed.png')))
                raise
            finally:
                browser.close()
    finally:
        written = nb_file.read_bytes() != nb_before
        if written: nb_file.write_bytes(nb_before)                                  # put the committed notebook back
        if not had_ckpt and ckpt.exists(): shutil.rmtree(ckpt)
    assert not written, f"JupyterLab wrote {NB} during the test (restored); autosave should be off"


# --- the method explorer (tutorial 8) --------------------------------------------------------------------------------

METHOD_NB = 'nbs/tutorials/08_regularisation.ipynb'


def method_row(page, method: str):
    "The explorer's row of `method`: its checkbox and its knob's slider."
    return page.locator('.dnn-lab-method-explorer .widget-hbox', has=page.locator(f'.dnn-lab-pick-{method}')).first


def set_checked(page, method: str, on: bool):
    box = page.locator(f'.dnn-lab-pick-{method} input[type=checkbox]')
    if box.is_checked() != on: box.click()
    assert box.is_checked() == on, f"the checkbox of {method} did not follow the click"


def type_knob(page, method: str, value: str, shown: str):
    "Type `value` into the readout of `method`'s knob slider, as a user can, and wait until it reads `shown`."
    readout = method_row(page, method).locator('.widget-readout')
    readout.click(); page.keyboard.press('ControlOrMeta+a'); page.keyboard.type(value); page.keyboard.press('Enter')
    readout.wait_for(state='visible')
    page.wait_for_function("([el, want]) => el.textContent.trim() === want", arg=[readout.element_handle(), shown], timeout=10_000)


def wait_status(page, pattern: str, timeout: int = 300_000):
    "Wait until the explorer's status line matches the regular expression `pattern` (it is set when a Run has shown everything)."
    page.wait_for_function("(p) => new RegExp(p).test(document.querySelector('.dnn-lab-method-explorer').innerText)", arg=pattern, timeout=timeout)


def history_rows(page) -> list[list[str]]:
    "The explorer's run history, newest first, as lists of cell texts."
    return [r.locator('td').all_inner_texts() for r in page.locator('.dnn-lab-history tbody tr').all()]


def test_method_explorer_in_browser(browser_ready, lab, capsys):
    "Pick methods, move EWC's lambda, press Run: matrices, the BWT / accuracy plane and history rows appear; then move it again."
    from playwright.sync_api import sync_playwright
    nb_file, ckpt = ROOT / METHOD_NB, (ROOT / METHOD_NB).parent / '.ipynb_checkpoints'
    nb_before, had_ckpt = nb_file.read_bytes(), ckpt.exists()
    shot = artifacts_dir() / 'method_explorer.png'
    with capsys.disabled(): print(f"\nbrowser test: screenshot -> {shot}; JupyterLab log -> {lab['log']}")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            page = browser.new_page(viewport={'width': 1400, 'height': 2600})
            try:
                open_and_run_all(page, lab, METHOD_NB, '.dnn-lab-method-explorer button.dnn-lab-run', 300_000)
                page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]', timeout=300_000)   # every cell ran
                assert_no_cell_error(page)
                assert 'no run yet' in page.locator('.dnn-lab-history').inner_text()

                # pick LwF and EWC only, and make EWC three times stiffer than the notebook's runs (a value its curve did not run)
                for m, on in (('finetune', False), ('dnn', False), ('lwf', True), ('ewc', True)): set_checked(page, m, on)
                type_knob(page, 'ewc', '300', '3.0e+2')
                page.locator('button.dnn-lab-run').click()
                wait_status(page, r'ran (ewc, lwf|lwf, ewc):')                                  # set last, after the figures
                page.locator('.dnn-lab-matrices .js-plotly-plot').wait_for(timeout=60_000)
                assert page.locator('.dnn-lab-matrices .heatmaplayer').count() == 2, "two methods ran: two accuracy matrices"
                page.locator('.dnn-lab-tradeoff .js-plotly-plot').wait_for(timeout=60_000)
                rows = history_rows(page)
                assert sorted(r[1] for r in rows) == ['ewc', 'lwf'] and [r[0] for r in rows] == ['2', '1'], rows   # newest first
                by = {r[1]: r for r in rows}; lwf, ewc = by['lwf'], by['ewc']                       # run in the registry's order
                assert ewc[2] == 'ewc_lambda 300' and lwf[2] == 'lwf_lambda 1', rows
                assert all(re.fullmatch(r'\d+\.\d', r[4]) and re.fullmatch(r'[+-]\d+\.\d', r[6]) for r in rows), rows   # square %, BWT %
                n_tasks = int(lwf[-1])
                assert n_tasks >= 2, f"LwF at the notebook's knob should reuse every task of the notebook's run: {lwf}"
                assert 1 <= int(ewc[-1]) < n_tasks, f"EWC at a new lambda should reuse task 0 only: {ewc}"

                # EWC alone, a softer lambda (one the notebook's curve ran: every task reused): one more row that says what changed
                set_checked(page, 'lwf', False)
                type_knob(page, 'ewc', '10', '1.0e+1')
                page.locator('button.dnn-lab-run').click()
                wait_status(page, r'ran ewc:')
                page.locator('.dnn-lab-history tbody tr', has_text='ewc_lambda 300 → 10').wait_for(timeout=60_000)
                rows = history_rows(page)
                assert rows[0][:2] == ['3', 'ewc'] and len(rows) == 3, rows
                assert rows[0][-1] == str(n_tasks), rows[0]
                assert page.locator('.dnn-lab-matrices .heatmaplayer').count() == 1
                assert page.locator('.dnn-lab-tradeoff .scatterlayer .trace').count() == 2, "the plane shows both methods of the history"
                page.locator('.dnn-lab-method-explorer').scroll_into_view_if_needed()
                page.screenshot(path=str(shot))
            except Exception:
                page.screenshot(path=str(shot.with_name('method_explorer_failed.png')))
                raise
            finally:
                browser.close()
    finally:
        written = nb_file.read_bytes() != nb_before
        if written: nb_file.write_bytes(nb_before)                                  # put the committed notebook back
        if not had_ckpt and ckpt.exists(): shutil.rmtree(ckpt)
    assert not written, f"JupyterLab wrote {METHOD_NB} during the test (restored); autosave should be off"
