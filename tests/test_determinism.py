"""Runs are functions of their seed (issue 13): the same seed gives the same accuracy matrix in two processes, with and
without a RunCache, for one thread and for two (each thread count compared with itself: float sums may be ordered
differently across thread counts). And the library never moves the user's global random generators."""
import json, os, random, subprocess, sys, textwrap
from pathlib import Path
import numpy as np
import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = textwrap.dedent("""
    import json, sys
    import torch
    from dnn_lab.data import make_stream, TaskStream
    from dnn_lab.run import run_sequence, RunCache
    tiny = dict(width=4, batch_size=8, base_epochs=2, base_milestones='', inc_epochs=2, inc_milestones='', base_augment='light')
    s = make_stream('iros9', n_classes=3, image_size=16, n_train=4, n_test=2)
    st = TaskStream(s.tasks[:4], 3, 'tiny4', s.class_names)
    out = {}
    for threads in (1, 2):
        torch.set_num_threads(threads)
        for method in ('dnn', 'joint'):
            plain = run_sequence(st, method, seed=3, keep_model=False, **tiny)
            cache = RunCache()
            run_sequence(st, method, seed=3, cache=cache, keep_model=False, **{**tiny, 'expand_threshold': 0.0})   # fills the cache
            cached = run_sequence(st, method, seed=3, cache=cache, keep_model=False, **tiny)
            out[f'{threads}/{method}'] = dict(plain=plain.acc_matrix.tolist(), cached=cached.acc_matrix.tolist(),
                                             decisions=[[d['action'], d['head']] for d in plain.decisions],
                                             hits=cache.hits, init=plain.acc_init.tolist())
    print(json.dumps(out))
""")


def test_same_seed_same_matrix_across_processes_caches_and_threads():
    env = {**os.environ, 'PYTHONPATH': str(ROOT), 'OMP_WAIT_POLICY': 'PASSIVE'}   # idle threads sleep: cheap on a busy machine, same numbers
    env.pop('OMP_NUM_THREADS', None)                                 # torch.set_num_threads decides, in the script
    procs = [subprocess.Popen([sys.executable, '-c', SCRIPT], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
             for _ in range(2)]
    outs = []
    for p in procs:
        o, e = p.communicate(timeout=600)
        assert p.returncode == 0, e[-3000:]
        outs.append(json.loads(o.strip().splitlines()[-1]))
    a, b = outs
    assert a.keys() == b.keys() == {'1/dnn', '1/joint', '2/dnn', '2/joint'}
    for k in a:
        assert a[k] == b[k], f"{k}: two processes with the same seed differ"              # exact: JSON floats round-trip
        assert a[k]['plain'] == a[k]['cached'], f"{k}: a run with a RunCache differs from one without"
    assert a['1/dnn']['hits'] >= 1                                  # the cached run did reuse work


def rng_states():
    return torch.get_rng_state().clone(), np.random.get_state()[1].copy(), random.getstate()


def same(a, b) -> bool:
    return torch.equal(a[0], b[0]) and np.array_equal(a[1], b[1]) and a[2] == b[2]


def test_the_users_global_rng_is_never_touched(tmp_path):
    "Constructing a learner, running, saving, loading, resuming and loading a dataset from files leave every global generator as it was."
    from dnn_lab.config import load_config
    from dnn_lab.data import make_stream, TaskStream
    from dnn_lab.learner import make_learner, METHODS, load_builtin_methods, as_tensors
    from dnn_lab.run import run_sequence, RunResult
    from conftest import make_folder_tree
    from dnn_lab.datasets import folder_stream
    load_builtin_methods()
    torch.manual_seed(1234); np.random.seed(1234); random.seed(1234)
    s = make_stream('iros9', n_classes=3, image_size=16, n_train=2, n_test=1)
    st = TaskStream(s.tasks[:3], 3, 'tiny3', s.class_names)
    tiny = dict(width=4, batch_size=8, base_epochs=1, base_milestones='', inc_epochs=1, inc_milestones='', base_augment='strong')
    cfg = load_config(**tiny)
    methods = [m for m, c in METHODS.items() if c.__module__.startswith('dnn_lab.')]      # the package's, not a notebook's demo
    before = rng_states()
    for m in methods: make_learner(m, cfg, 3, (3, 16, 16), 'cpu')
    assert same(before, rng_states()), "constructing a learner moved the global RNG"
    def stop(event, **info):
        if event == 'task_start' and info['t'] == 2: raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt): run_sequence(st, 'dnn', seed=0, out=tmp_path/'r', callbacks=[stop], **tiny)
    run_sequence(st, 'dnn', seed=0, resume=tmp_path/'r', **tiny)
    for m in methods: run_sequence(st, m, seed=0, keep_model=False, **tiny)
    RunResult.load(tmp_path/'r').model()
    lazy = folder_stream(make_folder_tree(tmp_path/'data'), image_size=16)
    as_tensors(lazy[0].train, 'cpu'); lazy[0].train.materialize()
    assert same(before, rng_states()), "running, resuming or loading moved the global RNG"
