"""Every notebook runs top to bottom: the notebooks' inline tests are part of the test suite.

The tutorials read DNN_LAB_SMALL=1 (as they read CI=true) and run at their small settings: the same code path, a
smaller stream and fewer epochs, so the suite takes minutes on a laptop too, with or without CI=true. Open a
tutorial in Jupyter to run it at full size."""
import os
os.environ['DNN_LAB_SMALL'] = '1'             # the notebooks run in this process (execnb): they see it
from pathlib import Path
import pytest
import nbdev.test as nbt                      # not `from ... import test_nb`: pytest would collect it

ROOT = Path(__file__).resolve().parents[1]
NBS = sorted(p for p in (ROOT/'nbs').rglob('*.ipynb') if '.ipynb_checkpoints' not in p.parts) + [ROOT/'index.ipynb']
NBS = [p for p in NBS if p.exists()]

def _id(p): return str(p.relative_to(ROOT))

def _has_slow(p): return '#| slow' in p.read_text()

@pytest.mark.parametrize('nb', NBS, ids=_id)
def test_notebook(nb):
    ok, secs = nbt.test_nb(nb, skip_flags=['slow'], showerr=True)
    assert ok, f"{_id(nb)} failed (see the traceback above); run it with `nbdev-test --path-glob '*{nb.stem}*'`"

@pytest.mark.slow
@pytest.mark.parametrize('nb', [p for p in NBS if _has_slow(p)], ids=_id)
def test_notebook_slow_cells(nb):
    ok, secs = nbt.test_nb(nb, force_flags=['slow'], showerr=True)
    assert ok, f"{_id(nb)} failed with its slow cells"


TUTORIALS = [p for p in NBS if 'tutorials' in p.parts]

@pytest.mark.parametrize('nb', TUTORIALS, ids=_id)
def test_tutorial_states_runtime(nb):
    "Every tutorial and solution opens with a measured runtime (full size and CI size), not a placeholder."
    text = nb.read_text()
    assert '**Runtime' in text, f"{_id(nb)} has no **Runtime** line; measure it with tools/time_notebooks.py"
    assert 'RUNTIME_' not in text, f"{_id(nb)} still has a RUNTIME_ placeholder; fill it from tools/time_notebooks.py"
    assert 'CI=true' in text.split('**Runtime', 1)[1][:1500], f"{_id(nb)}: the Runtime line should give the CI=true time too"
