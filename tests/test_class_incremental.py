"""Every registered method runs in the class-incremental scenario with no code of its own (issue 11).

The base class makes the single head grow over the classes seen so far: a class of a later task is never predicted,
so every cell above the diagonal of the accuracy matrix is 0, and the run records a confusion matrix over all test
images and old/new accuracies. The loop covers methods added later, as tests/test_resume.py does.
"""
import numpy as np
import pytest
import torch
from dnn_lab.data import make_stream
from dnn_lab.learner import METHODS, load_builtin_methods
from dnn_lab.run import run_sequence

TINY = dict(width=4, batch_size=8, base_epochs=2, base_milestones='', inc_epochs=2, inc_milestones='', base_augment='none', device='cpu')

load_builtin_methods()
METHOD_NAMES = sorted(m for m, c in METHODS.items() if c.__module__.startswith('dnn_lab.'))   # not a notebook's demo


@pytest.fixture(scope='module')
def stream():
    return make_stream('class_inc', n_classes=6, image_size=16, n_train=4, n_test=2, ci_tasks=3, seed=0)


@pytest.mark.parametrize('method', METHOD_NAMES)
def test_method_runs_class_incremental(stream, method):
    threads = torch.get_num_threads(); torch.set_num_threads(1)
    try: r = run_sequence(stream, method, seed=0, keep_model=False, **TINY)
    finally: torch.set_num_threads(threads)
    T = len(stream)
    assert r.scenario == 'class-incremental' and r.acc_matrix.shape == (T, T)
    assert np.triu(r.acc_matrix, 1).max() == 0, f"{method} predicted a class it had not seen yet"
    C = np.array(r.confusion)
    assert C.shape == (6, 6) and C.sum() == sum(r.test_sizes)
    assert {'old_acc', 'new_acc', 'avg_inc_acc'} <= set(r.metrics)
