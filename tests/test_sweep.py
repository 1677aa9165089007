"""dnn_lab.sweep on a real local Ray (started by these tests on 127.0.0.1 with 2 CPUs, stopped even when a test fails).

What is pinned: a 2 x 2 grid run on Ray gives the matrices of the same runs made one by one with `run_sequence`; a point that
fails at run time is a 'failed' row with its error and the other points complete; a restarted sweep trains nothing twice
(complete runs are reused, an interrupted run continues from its checkpoint); without Ray the same call runs in-process.
"""
from __future__ import annotations
import csv, signal
from pathlib import Path
import numpy as np
import pytest
from dnn_lab.data import make_stream
from dnn_lab.run import RunResult, run_sequence

TINY = dict(width=4, batch_size=8, base_epochs=2, base_milestones='', inc_epochs=1, inc_milestones='')
RAY_BUDGET_S = 420            # the whole module on Ray: start, four sweeps, stop (about 1 min on an idle 2-core machine)


@pytest.fixture(scope='module')
def tiny():
    return make_stream('iros9', n_classes=3, image_size=16, n_train=4, n_test=2)


def _interrupted(stream, method, seed, folder, at: int):
    "A run of `method` killed by a Ctrl-C at the start of task `at`: its folder holds a checkpoint of tasks 0..at-1."
    def stop(event, **info):
        if event == 'task_start' and info['t'] == at: raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        run_sequence(stream, method, seed, out=folder, keep_model=False, callbacks=[stop], **TINY)


def test_without_ray_runs_in_process(tiny, tmp_path, monkeypatch, capsys):
    import dnn_lab.sweep as sw
    monkeypatch.setattr(sw, 'ray_available', lambda: False)
    res = sw.sweep(methods='finetune', seeds=[0], stream=tiny, out=tmp_path, progress=False, **TINY)
    assert "Ray is not installed" in capsys.readouterr().err
    assert res.engine == 'local' and [r['status'] for r in res.rows] == ['complete']
    with pytest.raises(ImportError, match=r"pip install 'dnn-lab\[sweep\]'"):
        sw.sweep(methods='finetune', stream=tiny, engine='ray', progress=False, **TINY)


@pytest.fixture(scope='module')
def local_ray():
    "A local Ray of 2 CPUs for this module's Ray tests, bounded in time and stopped even when a test fails."
    pytest.importorskip('ray', reason="Ray is not installed (pip install 'dnn-lab[sweep]'): the sweep's Ray path is not tested")
    from dnn_lab.sweep import LocalRay
    def too_long(*_): raise TimeoutError(f"the Ray sweep tests took more than {RAY_BUDGET_S} s")
    old = signal.signal(signal.SIGALRM, too_long)
    signal.alarm(RAY_BUDGET_S)
    lr = LocalRay(num_cpus=2, num_gpus=0)
    try:
        lr.start()
        yield lr
    finally:
        lr.stop()
        signal.alarm(0); signal.signal(signal.SIGALRM, old)
    import ray
    assert not ray.is_initialized()


@pytest.mark.slow
@pytest.mark.xdist_group('ray')
class TestOnRay:
    def test_grid_matches_runs_one_by_one_and_restart_trains_nothing(self, local_ray, tiny, tmp_path):
        from dnn_lab.sweep import sweep
        grid = {'expand_threshold': [0.3, 0.7]}
        res = sweep(grid, methods='dnn', seeds=[0, 1], stream=tiny, out=tmp_path, progress=False, **TINY)
        assert res.engine == 'ray'
        assert [r['status'] for r in res.rows] == ['complete'] * 4, res.failed
        assert [r['trained_tasks'] for r in res.rows] == [9] * 4
        assert {r['device'] for r in res.rows} == {'cpu'}
        for r in res.rows:
            one = run_sequence(tiny, 'dnn', r['seed'], keep_model=False, expand_threshold=r['expand_threshold'], **TINY)
            name = Path(r['folder']).name
            np.testing.assert_array_equal(res.results[name].acc_matrix, one.acc_matrix)
            np.testing.assert_array_equal(RunResult.load(tmp_path/name, model=False).acc_matrix, one.acc_matrix)
            assert [d['action'] for d in res.results[name].decisions] == [d['action'] for d in one.decisions]
        rows = list(csv.DictReader(open(tmp_path/'results.csv')))
        assert [(r['method'], r['seed'], r['expand_threshold'], r['status']) for r in rows] == \
               [('dnn', s, t, 'complete') for t in ('0.3', '0.7') for s in ('0', '1')]
        assert (tmp_path/'summary.png').stat().st_size > 0
        again = sweep(grid, methods='dnn', seeds=[0, 1], stream=tiny, out=tmp_path, progress=False, **TINY)
        assert sum(r['trained_tasks'] for r in again.rows) == 0 and all(r['reused'] for r in again.rows)
        for r in again.rows:
            np.testing.assert_array_equal(again.results[Path(r['folder']).name].acc_matrix, res.results[Path(r['folder']).name].acc_matrix)

    def test_failing_point_is_recorded_and_the_others_run(self, local_ray, tiny, tmp_path):
        from dnn_lab.sweep import sweep
        grid = [{'method': ['finetune'], 'pretrained': ['none', '/no/such/weights.pt']}, {'method': ['dnn'], 'expand_threshold': [0.5]}]
        res = sweep(grid, seeds=[0], stream=tiny, out=tmp_path, progress=False, **TINY)
        by = {Path(r['folder']).name: r for r in res.rows}
        bad = by['finetune_seed0_pretrained=_no_such_weights.pt']
        assert bad['status'] == 'failed' and "pretrained weights file '/no/such/weights.pt' does not exist" in bad['error']
        assert bad['error'].startswith('LabFileNotFoundError')
        assert by['finetune_seed0_pretrained=none']['status'] == 'complete'
        assert by['dnn_seed0_expand_threshold=0.5']['status'] == 'complete'
        rows = {r['folder'].split('/')[-1]: r for r in csv.DictReader(open(tmp_path/'results.csv'))}
        assert rows['finetune_seed0_pretrained=_no_such_weights.pt']['status'] == 'failed'
        assert 'does not exist' in rows['finetune_seed0_pretrained=_no_such_weights.pt']['error']
        again = sweep(grid, seeds=[0], stream=tiny, out=tmp_path, progress=False, **TINY)   # a failed point stays failed, nothing retrains
        assert sum(r['trained_tasks'] for r in again.rows) == 0 and len(again.failed) == 1

    def test_interrupted_sweep_continues_without_training_twice(self, local_ray, tiny, tmp_path):
        from dnn_lab.sweep import sweep, run_folder_state
        _interrupted(tiny, 'finetune', 0, tmp_path/'finetune_seed0', at=4)
        assert run_folder_state(tmp_path/'finetune_seed0') == 'unfinished'
        res = sweep(methods='finetune', seeds=[0, 1], stream=tiny, out=tmp_path, progress=False, **TINY)
        by = {Path(r['folder']).name: r for r in res.rows}
        assert (by['finetune_seed0']['resumed_from'], by['finetune_seed0']['trained_tasks']) == (4, 5)
        assert (by['finetune_seed1']['resumed_from'], by['finetune_seed1']['trained_tasks']) == (0, 9)
        whole = run_sequence(tiny, 'finetune', 0, keep_model=False, **TINY)
        np.testing.assert_array_equal(res.results['finetune_seed0'].acc_matrix, whole.acc_matrix)
        assert run_folder_state(tmp_path/'finetune_seed0') == 'complete'

    def test_stream_by_name_is_built_on_the_workers(self, local_ray, tmp_path):
        from dnn_lab.sweep import sweep
        from dnn_lab.data import stream_from_config
        from dnn_lab.config import load_config
        small = dict(TINY, n_classes=3, image_size=16, n_train=4, n_test=2)
        res = sweep(methods='finetune', seeds=[0, 1], stream='iros9', out=tmp_path, progress=False, **small)
        assert [r['status'] for r in res.rows] == ['complete'] * 2, res.failed
        stream = stream_from_config(load_config(**small))
        for r in res.rows:
            one = run_sequence(stream, 'finetune', r['seed'], keep_model=False, **TINY)
            np.testing.assert_array_equal(res.results[Path(r['folder']).name].acc_matrix, one.acc_matrix)
        assert RunResult.load(tmp_path/'finetune_seed0', model=False).stream_spec == 'iros9'
