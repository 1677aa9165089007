"""Wall-clock time of running notebooks top to bottom, as the tutorials' Runtime lines quote them.

Each notebook runs in a fresh process (nbdev's test runner, the same as `make test`) once per mode:
  full   the defaults of settings.ini (what a student gets with Run All in Jupyter; `slow` cells skipped)
  small  with DNN_LAB_SMALL=1, the tutorials' CI size (what `make test` and CI run)
  slow   full size, `slow` cells included (only for notebooks that have some)
Run it on an otherwise idle machine: the numbers go into the notebooks' prose.

Usage: python tools/time_notebooks.py [--modes full small slow] [NOTEBOOK ...]   (default: every tutorial and solution)
"""
import argparse, os, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUN = "import sys, nbdev.test as t; ok, _ = t.test_nb(sys.argv[1], cell_timeout=None, skip_flags=sys.argv[2].split(',') if sys.argv[2] else [], force_flags=sys.argv[3].split(',') if sys.argv[3] else []); sys.exit(0 if ok else 1)"


def time_one(nb: Path, mode: str) -> tuple[float, bool]:
    env = {k: v for k, v in os.environ.items() if k not in ('CI', 'DNN_LAB_SMALL')}
    env['MPLBACKEND'] = 'Agg'
    if mode == 'small': env['DNN_LAB_SMALL'] = '1'
    skip, force = ('', 'slow') if mode == 'slow' else ('slow', '')
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, '-c', RUN, str(nb), skip, force], cwd=nb.parent, env=env, capture_output=True, text=True)
    if p.returncode: print(p.stdout[-2000:], p.stderr[-4000:], file=sys.stderr)
    return time.perf_counter() - t0, p.returncode == 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('notebooks', nargs='*', type=Path)
    ap.add_argument('--modes', nargs='+', default=['full', 'small', 'slow'], choices=['full', 'small', 'slow'])
    a = ap.parse_args(argv)
    nbs = a.notebooks or sorted((ROOT / 'nbs/tutorials').glob('*.ipynb')) + sorted((ROOT / 'nbs/tutorials/solutions').glob('*.ipynb'))
    print(f"load average before: {os.getloadavg()[0]:.2f}; {os.cpu_count()} cores", flush=True)
    failed = False
    for nb in nbs:
        for mode in a.modes:
            if mode == 'slow' and '#| slow' not in nb.read_text(): continue
            secs, ok = time_one(nb.resolve(), mode)
            failed |= not ok
            print(f"{nb.relative_to(ROOT) if nb.is_absolute() else nb}  {mode:5}  {secs:6.1f} s  {'ok' if ok else 'FAILED'}", flush=True)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
