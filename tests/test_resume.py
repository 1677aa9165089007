"""A run stopped hard resumes to exactly the result of a run that never stopped (issue 13).

For every registered method (those added later are covered by the loop over `METHODS`), a subprocess runs a tiny
stream with a run folder and is killed with SIGKILL inside a task chosen at random (seeded, never task 0, so at least
one checkpoint exists). The run is then resumed from its folder in this process and compared bit for bit with an
uninterrupted run of the same seed, on the CPU with one thread in both processes. To start one Python for all methods
instead of one each, the subprocess imports the lab once and forks a child per method; the child is the process
killed. The command line's `dnn-lab run --resume` is tested the same way, with a plugin that pauses a task.
"""
import json, os, random, signal, subprocess, sys, textwrap, time
from pathlib import Path
import numpy as np
import pytest
import torch
from dnn_lab.config import load_config
from dnn_lab.data import make_stream, TaskStream
from dnn_lab.learner import METHODS, load_builtin_methods
from dnn_lab.run import run_sequence, RunResult, CHECKPOINT

ROOT = Path(__file__).resolve().parents[1]
EXE = Path(sys.executable).parent/'dnn-lab'
SEED = 13                                                            # of the random choice of the task to kill
N_TASKS = 4
STREAM = dict(n_classes=3, image_size=16, n_train=4, n_test=2)
TINY = dict(width=4, batch_size=8, base_epochs=2, base_milestones='', inc_epochs=2, inc_milestones='', base_augment='light')

load_builtin_methods()
METHOD_NAMES = sorted(m for m, c in METHODS.items() if c.__module__.startswith('dnn_lab.'))   # not a notebook's demo


def tiny_stream() -> TaskStream:
    s = make_stream('iros9', **STREAM)
    return TaskStream(s.tasks[:N_TASKS], s.n_classes, 'tiny4', s.class_names)


def kill_task(method: str) -> int:
    "The task inside which `method`'s run is killed: a seeded choice among 1..T-1 (task 0 leaves no checkpoint)."
    return random.Random(f'{SEED}:{method}').randint(1, N_TASKS - 1)


# The subprocess: import once, build the stream once, then one forked child per method. A child runs its method
# with a run folder and, inside its kill task (after its first epoch, or at its end for a task with no epoch), says
# PAUSED and waits to be killed; the parent process of the test sends the SIGKILL.
CHILD = textwrap.dedent("""
    import json, os, sys, time
    import torch
    torch.set_num_threads(1)
    sys.path.insert(0, {tests!r})
    from test_resume import tiny_stream, TINY
    from dnn_lab.run import run_sequence
    jobs = json.loads(sys.argv[1])
    stream = tiny_stream()
    for method, folder, k in jobs:
        pid = os.fork()
        if pid == 0:
            def pause(event, **info):
                if info.get('t') == k and event in ('epoch', 'task_end'):
                    print(f'PAUSED {{method}} {{os.getpid()}}', flush=True); time.sleep(600)
            try: run_sequence(stream, method, seed=0, out=folder, callbacks=[pause], keep_model=False, **TINY)
            finally: os._exit(0)
        _, status = os.waitpid(pid, 0)
        print(f'ENDED {{method}} {{os.WIFSIGNALED(status) and os.WTERMSIG(status)}}', flush=True)
""").format(tests=str(Path(__file__).parent))


def kill_each(jobs, timeout=240) -> dict:
    "Run the child script on `jobs` [(method, folder, task)], SIGKILL each method's process when it pauses; {method: signal}."
    env = {**os.environ, 'OMP_NUM_THREADS': '1', 'PYTHONPATH': str(ROOT)}
    p = subprocess.Popen([sys.executable, '-c', CHILD, json.dumps(jobs)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, cwd=ROOT, env=env)
    ended, deadline = {}, time.time() + timeout
    try:
        while len(ended) < len(jobs) and time.time() < deadline:
            line = p.stdout.readline()
            if not line: break
            word, method, arg = line.split()
            if word == 'PAUSED': os.kill(int(arg), signal.SIGKILL)
            else: ended[method] = int(arg) if arg.isdigit() else arg
    finally:
        p.kill(); err = p.communicate()[1]
    assert len(ended) == len(jobs), f"the child script stopped early: {ended}\n{err[-3000:]}"
    return ended


@pytest.fixture(scope='module')
def one_thread():
    n = torch.get_num_threads(); torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def test_sigkill_inside_a_task_then_resume_gives_the_same_run(tmp_path, one_thread):
    stream, cfg = tiny_stream(), load_config(**TINY)
    jobs = [(m, str(tmp_path/m), kill_task(m)) for m in METHOD_NAMES]
    ended = kill_each(jobs)
    for m, folder, k in jobs:
        assert ended[m] == signal.SIGKILL, f"{m}: the run was not killed ({ended[m]})"
        folder = Path(folder)
        assert (folder/CHECKPOINT).exists(), f"{m}: no checkpoint after the kill in task {k}"
        meta = json.loads((folder/'run.json').read_text())
        assert meta['status'] == 'running' and len(meta['acc_matrix']) == k, f"{m}: the folder should hold tasks 0..{k-1}"
        whole = run_sequence(stream, m, seed=0, cfg=cfg, keep_model=False)
        back = run_sequence(stream, m, seed=0, cfg=cfg, resume=folder, keep_model=False)
        assert np.array_equal(back.acc_matrix, whole.acc_matrix), f"{m} killed in task {k}: the matrices differ\n{back.acc_matrix}\n{whole.acc_matrix}"
        assert np.array_equal(back.acc_init, whole.acc_init)
        assert back.decisions == whole.decisions, f"{m} killed in task {k}: the decisions differ"
        assert back.run_id == meta['run_id'] and back.status == 'complete' and not (folder/CHECKPOINT).exists()
        assert RunResult.load(folder).acc_matrix.tolist() == whole.acc_matrix.tolist()


def test_resume_twice_and_with_a_cache(tmp_path, one_thread):
    "A run stopped twice (Ctrl-C in task 1, then in task 3) and resumed with a RunCache still ends where an uninterrupted run does."
    stream, cfg = tiny_stream(), load_config(**TINY)
    def stop(t):
        def cb(event, **info):
            if event == 'epoch' and info['t'] == t: raise KeyboardInterrupt
        return cb
    folder = tmp_path/'r'
    for t, kw in ((1, dict(out=folder)), (3, dict(resume=folder))):
        with pytest.raises(KeyboardInterrupt): run_sequence(stream, 'dnn', seed=0, cfg=cfg, callbacks=[stop(t)], **kw)
    from dnn_lab.run import RunCache
    back = run_sequence(stream, 'dnn', seed=0, cfg=cfg, resume=folder, cache=RunCache())
    whole = run_sequence(stream, 'dnn', seed=0, cfg=cfg)
    assert np.array_equal(back.acc_matrix, whole.acc_matrix) and back.decisions == whole.decisions


PAUSE_PLUGIN = """
import os, time
import dnn_lab.learner as L
K, fit = int(os.environ['DNN_LAB_TEST_PAUSE_AT']), L.Method.fit
def paused_fit(self, t, *a, **k):
    if t == K: print('PAUSED', flush=True); time.sleep(600)
    return fit(self, t, *a, **k)
L.Method.fit = paused_fit
"""


def test_cli_killed_then_resume(tmp_path, one_thread):
    "`dnn-lab run` killed with SIGKILL inside a task, then `dnn-lab run --resume DIR`: the matrix of an uninterrupted run."
    (tmp_path/'pause_plugin.py').write_text(PAUSE_PLUGIN)
    k = random.Random(f'{SEED}:cli').randint(1, N_TASKS - 1)
    sets = [a for kv in {**STREAM, **TINY, 'stream': 'iros9'}.items() for a in ('--set', f'{kv[0]}={kv[1]}')]
    env = {**os.environ, 'OMP_NUM_THREADS': '1', 'PYTHONPATH': f"{tmp_path}{os.pathsep}{ROOT}", 'DNN_LAB_PLUGINS': 'pause_plugin',
           'DNN_LAB_TEST_PAUSE_AT': str(k)}
    out = tmp_path/'runs'
    p = subprocess.Popen([str(EXE), 'run', '--method', 'dnn', '--quiet', *sets, '--out', str(out)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=env)
    try:
        deadline = time.time() + 180
        while time.time() < deadline and 'PAUSED' not in p.stdout.readline(): pass
        p.send_signal(signal.SIGKILL)
    finally: p.kill(); _, err = p.communicate()
    assert p.returncode == -signal.SIGKILL, err
    env.pop('DNN_LAB_PLUGINS')
    r = subprocess.run([str(EXE), 'run', '--resume', str(out), '--quiet'], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    assert f'resuming dnn in {out/"dnn"}: {k} of 9 tasks done' in r.stdout
    cfg = load_config(**STREAM, **TINY)
    from dnn_lab.data import stream_from_config
    whole = run_sequence(stream_from_config(cfg), 'dnn', seed=0, cfg=cfg, keep_model=False)
    back = RunResult.load(out/'dnn', model=False)
    assert back.acc_matrix.tolist() == whole.acc_matrix.tolist() and back.decisions == whole.decisions
