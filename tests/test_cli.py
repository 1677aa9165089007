"End-to-end runs of the `dnn-lab` console script: the README's main job, bad input, Ctrl-C."
import json, os, signal, subprocess, sys, time
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
EXE = Path(sys.executable).parent/'dnn-lab'
TINY = ['--set', 'n_classes=4', '--set', 'n_train=8', '--set', 'n_test=4', '--set', 'base_epochs=2', '--set', 'base_milestones=',
        '--set', 'inc_epochs=1', '--set', 'inc_milestones=']

def cli(*args, timeout=300, cwd=None, env=None):
    return subprocess.run([str(EXE), *args], capture_output=True, text=True, timeout=timeout, cwd=cwd or ROOT,
                          env={**os.environ, **(env or {})})

def test_stream_prints_table_and_writes_gallery(tmp_path):
    r = cli('stream', '--out', str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert 'iros9: 9 tasks, 20 classes, data-incremental' in r.stdout
    lines = [l for l in r.stdout.splitlines() if l.strip()[:1].isdigit()]
    assert len(lines) == 9                                  # one row per task
    assert '800' in lines[0] and '400' in lines[0]          # 20 classes x 40 train, x 20 test
    assert (tmp_path/'gallery_iros9.png').stat().st_size > 5000

def test_run_tiny_writes_run_folders(tmp_path):
    r = cli('run', '--method', 'dnn,finetune', *TINY, '--out', str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert r.stdout.count('[dnn] task ') == 9 and r.stdout.count('[finetune] task ') == 9
    from dnn_lab.config import load_config
    assert 'gap acc' in r.stdout and f'threshold {load_config().expand_threshold:.2f}' in r.stdout
    table = r.stdout.split('\n\n')[-1]
    assert 'method' in table and 'square' in table and 'dnn' in table and 'finetune' in table
    for m in ('dnn', 'finetune'):
        meta = json.loads((tmp_path/m/'run.json').read_text())
        assert meta['status'] == 'complete' and len(meta['acc_matrix']) == 9
        assert (tmp_path/m/'acc_matrix.png').exists() and (tmp_path/m/'model.pt').exists()
    assert json.loads((tmp_path/'finetune'/'metrics.json').read_text())['n_heads'] == 1

@pytest.mark.parametrize('args,msg', [
    (['--set', 'expand_threshold=1.5'], "'expand_threshold' = 1.5 is outside its range [0, 1]"),
    (['--set', 'inc_epochs=0'], "'inc_epochs' = 0 is outside its range [1, 1000]"),
    (['--set', 'kd_weigth=2'], "did you mean 'kd_weight'"),
    (['--method', 'ewc9'], "unknown method 'ewc9'"),
    (['--stream', 'folder:/no/such/place'], '/no/such/place'),
    (['--stream', 'iros10'], 'iros10'),
])
def test_bad_input_is_a_clear_error(args, msg, tmp_path):
    r = cli('run', *TINY, *args, '--out', str(tmp_path/'r'))
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert msg in r.stderr and 'Traceback' not in r.stderr

BUGGY_PLUGIN = """
from dnn_lab.learner import Method, register
@register
class Buggy(Method):
    "A method with a programming error in its loss (for the CLI test)."
    name = 'buggy'
    def loss(self, b): return b.logits.sum() + len(None)
"""

def test_programming_error_keeps_its_traceback(tmp_path):
    "A TypeError inside a method is a bug: the user sees its traceback, not a one-line 'dnn-lab: error'."
    (tmp_path/'buggy_plugin.py').write_text(BUGGY_PLUGIN)
    r = cli('run', '--method', 'buggy', *TINY, '--out', str(tmp_path/'r'),
            env={'DNN_LAB_PLUGINS': 'buggy_plugin', 'PYTHONPATH': f"{tmp_path}{os.pathsep}{ROOT}"})
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert 'Traceback' in r.stderr and "TypeError: object of type 'NoneType' has no len()" in r.stderr
    assert 'dnn-lab: error' not in r.stderr

def test_debug_shows_the_traceback_of_a_user_error(tmp_path):
    r = cli('run', '--method', 'ewc9', '--debug', '--out', str(tmp_path/'r'))
    assert r.returncode == 1 and 'Traceback' in r.stderr and "LabValueError: unknown method 'ewc9'" in r.stderr

def test_ctrl_c_keeps_finished_tasks(tmp_path):
    out = tmp_path/'r'
    p = subprocess.Popen([str(EXE), 'run', '--method', 'finetune', '--set', 'n_classes=4', '--set', 'n_train=8', '--set', 'n_test=4',
                          '--set', 'base_epochs=2', '--set', 'base_milestones=', '--set', 'inc_epochs=200', '--set', 'inc_milestones=',
                          '--out', str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))   # test workers may ignore SIGINT; a terminal does not
    deadline = time.time() + 120
    while time.time() < deadline:
        line = p.stdout.readline()
        if '[finetune] task 1:' in line: break
    else: pytest.fail('the run never finished task 1')
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 130, err
    assert 'interrupted' in err and str(out/'finetune') in err
    meta = json.loads((out/'finetune'/'run.json').read_text())
    assert meta['status'] == 'interrupted' and len(meta['acc_matrix']) >= 2

@pytest.mark.slow
def test_main_job_default(tmp_path):
    "The README's main job: `dnn-lab` with no arguments (dnn and finetune, default stream, quick preset)."
    r = cli(cwd=tmp_path, timeout=900)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count('[dnn] task ') == 9 and r.stdout.count('[finetune] task ') == 9
    assert 'square' in r.stdout and (tmp_path/'runs').exists()
