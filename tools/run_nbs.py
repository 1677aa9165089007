"""Execute notebooks in place so readers see their figures; slow cells are left out. Usage: run_nbs.py [glob ...]"""
import sys, time
from pathlib import Path
from nbdev.test import test_nb

ROOT = Path(__file__).resolve().parents[1]
globs = sys.argv[1:] or ['nbs/**/*.ipynb', 'index.ipynb']
paths = sorted({p for g in globs for p in ROOT.glob(g) if '.ipynb_checkpoints' not in p.parts})
failed = []
for p in paths:
    ok, secs = test_nb(p, skip_flags=['slow'], save=True)
    print(f"{'ok  ' if ok else 'FAIL'} {secs:6.1f}s {p.relative_to(ROOT)}")
    if not ok: failed.append(p)
sys.exit(1 if failed else 0)
