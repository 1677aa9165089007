"""Execute notebooks in place so that GitHub and any notebook viewer show their figures (`make nbs`).

Each notebook runs in a fresh process, top to bottom, in its own folder, at the size it chooses (the settings of
settings.ini; with `--small`, which `make nbs` passes by default, at the small size CI tests, and `notebook_config`
prints a line saying so), `slow` and `eval: false` cells left out, as `make test` runs them. Then its outputs are made static (tools/nbstatic.py: PNG figures only, plotly as
PNG through kaleido, no widget state, no JavaScript bundles), each executed cell gets the digest of its source
(`metadata.dnn_lab`), and `nbdev-clean` strips the rest. `make check-nbs` (tools/check_nbs.py) checks the result.

With --jobs N, N notebooks execute at once, each with cores / N torch threads (their outputs do not depend on it).

Usage: python tools/run_nbs.py [--small] [--jobs N] [--keep-going] [NOTEBOOK or GLOB ...]   (default: nbs/**/*.ipynb and index.ipynb)
"""
from __future__ import annotations
import argparse, json, os, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nbstatic import ROOT, MAX_BYTES, make_static, notebooks, runs, stamp   # noqa: E402


def execute(path: Path, timeout: int | None = None):
    "Run the notebook at `path` in this process (execnb, as nbdev's tests do) and write its outputs back."
    from fastcore.nbio import read_nb, write_nb
    from execnb.shell import CaptureShell
    from fastcore.xtras import working_directory
    nb = read_nb(path)
    os.environ.setdefault('MPLBACKEND', 'Agg')
    os.environ['IN_TEST'] = '1'
    k = CaptureShell(path, mpl_format='png')                     # plain PNGs, not retina: half the bytes
    with working_directory(path.parent):
        k.run_all(nb, exc_stop=True, preproc=lambda c: not runs(c), cell_timeout=timeout)
    write_nb(nb, path)


def postprocess(path: Path) -> dict:
    "Static outputs and digests, then nbdev-clean; returns a summary."
    try:
        import kaleido
        kaleido.start_sync_server(silence_warnings=True)         # one Chromium for every plotly figure of the notebook
    except Exception: kaleido = None
    try:
        nb = stamp(make_static(json.loads(path.read_text())))
    finally:
        if kaleido is not None:
            try: kaleido.stop_sync_server(silence_warnings=True)
            except Exception: pass
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n')
    subprocess.run([str(Path(sys.executable).with_name('nbdev-clean')), '--fname', str(path)], cwd=ROOT, check=True)
    cells = [c for c in json.loads(path.read_text())['cells'] if runs(c)]
    return dict(cells=len(cells), figures=sum(c.get('metadata', {}).get('dnn_lab', {}).get('figures', 0) for c in cells), bytes=path.stat().st_size)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('notebooks', nargs='*', help='notebook paths or globs relative to the repository root')
    ap.add_argument('--small', action='store_true', help='run at the small size CI tests (DNN_LAB_SMALL=1), which each notebook states in its first output')
    ap.add_argument('--keep-going', action='store_true', help='carry on after a notebook fails')
    ap.add_argument('--jobs', type=int, default=1, help='notebooks executed at once')
    ap.add_argument('--timeout', type=int, default=1800, help='seconds per cell')
    ap.add_argument('--exec-one', help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.exec_one:                                               # the child process: execute one notebook
        execute(Path(a.exec_one), a.timeout); return 0
    paths = notebooks([str(Path(g).resolve().relative_to(ROOT)) if Path(g).exists() else g for g in a.notebooks] or None)
    if not paths: print('no notebook matches', a.notebooks); return 1
    env = {**os.environ, 'MPLBACKEND': 'Agg', 'PYTHONPATH': os.pathsep.join([str(ROOT), os.environ.get('PYTHONPATH', '')]).rstrip(os.pathsep)}
    for k in ('CI', 'DNN_LAB_SMALL'): env.pop(k, None)
    if a.small: env['DNN_LAB_SMALL'] = '1'
    jobs = max(1, a.jobs)
    if jobs > 1: env['OMP_NUM_THREADS'] = str(max(1, (os.cpu_count() or 1) // jobs))
    def child(p):
        t0 = time.perf_counter()
        r = subprocess.run([sys.executable, str(Path(__file__).resolve()), '--exec-one', str(p), '--timeout', str(a.timeout)], cwd=ROOT, env=env, capture_output=True, text=True)
        return p, r, time.perf_counter() - t0
    failed = []
    with ThreadPoolExecutor(jobs) as ex:                        # children execute in parallel; outputs are post-processed here, one at a time
        for p, r, secs in ex.map(child, paths):
            rel = p.relative_to(ROOT)
            if r.returncode:
                print(f"FAIL {secs:6.1f}s {rel}\n{r.stdout[-2000:]}{r.stderr[-4000:]}", flush=True)
                failed.append(rel)
                if not a.keep_going: ex.shutdown(cancel_futures=True); break
                continue
            s = postprocess(p)
            big = ' OVER 1 MB' if s['bytes'] > MAX_BYTES else ''
            print(f"ok   {secs:6.1f}s {rel}: {s['cells']} cells, {s['figures']} figures, {s['bytes'] / 1e3:.0f} kB{big}", flush=True)
    if failed: print('failed:', ', '.join(map(str, failed)))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
