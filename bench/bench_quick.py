"""The quick preset's targets (issue 9), each printed with PASS/FAIL, in one command on this machine.

  1. reference workload: a fixed plain-PyTorch loop (bench/common.py), every time below is also given as a ratio to it
  2. the README's main job, `dnn-lab` with no arguments in a fresh folder (DNN and finetune, default stream, quick
     preset): wall <= 60 s, its first task line <= 10 s, peak resident memory <= 2 GB
  3. the quick DNN sequence alone (run_sequence on the default stream, all cores; the median of 3 runs): <= 20 s
  4. the threshold explorer: a rerun whose first changed decision is the middle task is >= 5x faster than the cold
     run; a head_select change answers in <= 2 s
  5. the authors' ordering on the default stream (seeds 0 1 2, medians of square performance): finetune < DNN no
     expand < DNN expand, the LR trick not worse, DNN >= finetune + 3 points, DNN within 5 points of joint training
  6. small real data (Fashion-MNIST under 8 appearance shifts, 150 training images a task; needs the Debian package
     dataset-fashion-mnist): finetune and the DNN learn every task well above chance (diagonal >= 3x chance), and the
     DNN's square performance is at least finetune's
The grids (5 and 6) go through dnn_lab.sweep, as `dnn-lab sweep` does: on a local Ray (--jobs runs at a time) when Ray
is installed, else one after another in this process.
Writes bench/quick_results.md and docs/img/finetune_vs_dnn.png (only when nothing is skipped and no --set is given). Run it on an otherwise idle machine.

Usage: python bench/bench_quick.py [--seeds 0 1 2] [--jobs 2] [--skip main,alone,explorer,ordering,real] [--set key=value ...]
"""
from __future__ import annotations
import argparse, os, resource, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import reference_seconds, check, pool, threads_for, peak_rss_mb, sweep_runs, variant_grid

ROOT = Path(__file__).resolve().parents[1]
AUTHORS = {'Finetune': 93.84, 'DNN no expand': 94.50, 'DNN expand': 95.75, 'DNN no expand + LR trick': 96.01, 'DNN expand + LR trick': 96.83}


def variants(cfg):
    "The authors' table on the lab's stream: no LR trick means the incremental learning rate equals the base one."
    big = dict(inc_lr=cfg.base_lr)
    return [('Finetune', 'finetune', big), ('Finetune + LR trick', 'finetune', {}),
            ('DNN no expand', 'dnn', dict(expand=False, **big)), ('DNN expand', 'dnn', big),
            ('DNN no expand + LR trick', 'dnn', dict(expand=False)), ('DNN expand + LR trick', 'dnn', {}),
            ('Joint (stores old data)', 'joint', {})]


def main_job():
    "`dnn-lab` in a fresh folder: wall seconds, seconds to its first task line, peak RSS (MB) of the process, its output."
    exe = Path(sys.executable).parent / 'dnn-lab'
    with tempfile.TemporaryDirectory() as d:
        t0, first, out = time.perf_counter(), None, []
        p = subprocess.Popen([str(exe)], cwd=d, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        for line in p.stdout:
            if first is None and '] task 0:' in line: first = time.perf_counter() - t0
            out.append(line)
        p.wait()
        wall = time.perf_counter() - t0
    if p.returncode: raise SystemExit(f"dnn-lab failed (exit {p.returncode}):\n{''.join(out[-20:])}")
    return wall, first, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, ''.join(out)


def alone(sets, threads, repeats: int = 3):
    "The quick DNN sequence alone on the default stream, in this process with `threads` threads: the seconds of `repeats` runs."
    import torch; torch.set_num_threads(threads)
    from dnn_lab.config import load_config, parse_sets
    from dnn_lab.data import stream_from_config
    from dnn_lab.run import run_sequence
    cfg = load_config(**parse_sets(sets)); stream = stream_from_config(cfg)
    secs = []
    for _ in range(repeats):
        t0 = time.perf_counter(); run_sequence(stream, 'dnn', cfg.seed, cfg=cfg, keep_model=False); secs.append(time.perf_counter() - t0)
    return secs


def explorer(sets, threads):
    "ThresholdExplorer: cold run, rerun from the middle task, head_select change: seconds, and the first changed task."
    import torch; torch.set_num_threads(threads)
    from dnn_lab.config import load_config, parse_sets
    from dnn_lab.data import stream_from_config
    from dnn_lab.widgets import ThresholdExplorer
    from bench_rerun import pick_threshold
    cfg = load_config(**parse_sets(sets)); stream = stream_from_config(cfg)
    ex = ThresholdExplorer(stream, cfg)
    t0 = time.perf_counter(); cold = ex.run(); t_cold = time.perf_counter() - t0
    k, th = pick_threshold(cold.decisions, len(stream) // 2 + 1)
    ex.set(expand_threshold=th)
    t0 = time.perf_counter(); again = ex.run(); t_re = time.perf_counter() - t0
    trained = sum(s for s, c in zip(again.timings, ex.progress.cached) if not c)   # the rerun's training alone: a floor under its time
    rule = next(r for r in ('entropy', 'mean', 'confidence') if r != cfg.head_select)
    ex.set(head_select=rule)
    t0 = time.perf_counter(); ex.run(); t_hs = time.perf_counter() - t0
    return t_cold, t_re, t_hs, k, ''.join(d['action'][0].upper() for d in cold.decisions), list(cold.timings), trained


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    ap.add_argument('--jobs', type=int, default=os.cpu_count() or 1)
    ap.add_argument('--skip', default='')
    ap.add_argument('--set', action='append', default=[])
    a = ap.parse_args(argv)
    skip, cores, checks, lines = set(filter(None, a.skip.split(','))), os.cpu_count() or 1, [], []
    from dnn_lab.config import load_config, parse_sets
    cfg = load_config(**parse_sets(a.set))
    ref = reference_seconds(cores)
    print(f"{cores} cores; reference workload (bench/common.py, {cores} threads): {ref:.2f} s; quick preset: arch {cfg.arch}, "
          f"pretrained {cfg.pretrained}, base {cfg.base_epochs} epochs, inc {cfg.inc_epochs} epochs, threshold {cfg.expand_threshold}", flush=True)
    rx = lambda s: f"{s:.1f} s = {s / ref:.1f}x reference"

    if 'main' not in skip:
        wall, first, rss, out = main_job()
        print(out.strip().splitlines()[-1] if out.strip() else '', flush=True)
        checks += [check('main job (`dnn-lab`: DNN and finetune, default stream) <= 60 s', wall <= 60, rx(wall)),
                   check('main job prints its first task line <= 10 s', first is not None and first <= 10, 'never' if first is None else rx(first)),
                   check('main job peak resident memory <= 2 GB', rss <= 2048, f"{rss:.0f} MB")]
    if 'alone' not in skip:
        with pool(1) as ex: runs = ex.submit(alone, a.set, cores).result()
        secs = float(np.median(runs))                                # one run swings with the machine's speed; the median of three less
        checks.append(check(f'quick DNN sequence alone <= 20 s ({cores} threads, median of {len(runs)} runs)', secs <= 20,
                            f"{rx(secs)}; runs {', '.join(f'{s:.1f}' for s in runs)} s"))
    if 'explorer' not in skip:
        with pool(1) as ex: t_cold, t_re, t_hs, k, acts, tim, trained = ex.submit(explorer, a.set, cores).result()
        print(f"threshold explorer: cold {t_cold:.1f} s ({acts}), rerun from task {k} {t_re:.1f} s, head_select change {t_hs:.2f} s", flush=True)
        checks += [check(f'explorer rerun from the middle task (task {k}) >= 5x faster than cold', t_cold >= 5 * t_re,
                         f"{t_cold / t_re:.1f}x: cold {t_cold:.1f} s, rerun {t_re:.1f} s; training took {tim[0]:.1f} s on the base task and "
                         f"{float(np.median(tim[1:])):.1f} s on each later one (median), and a rerun trains {len(tim) - k} of them: {trained:.1f} s of "
                         f"training alone, so even with nothing else to do a rerun could be at most {t_cold / trained:.1f}x faster than cold"),
                   check('explorer answers a head_select change <= 2 s', t_hs <= 2, f"{t_hs:.2f} s")]
    rows = []
    if 'ordering' not in skip:
        grid, name_of = variant_grid(variants(cfg))
        def line(r):
            if r['status'] != 'complete': print(f"  {name_of(r):<26} seed {r['seed']}: FAILED {r['error']}", flush=True); return
            print(f"  {name_of(r):<26} seed {r['seed']}: square {100 * r['square']:5.1f}  acc {100 * r['acc']:5.1f}  bwt {100 * r['bwt']:+5.1f}  "
                  f"heads {r['n_heads']}  {r['wall']:5.1f}s  {r['actions'].lower()}", flush=True)
        res = sweep_runs(grid, a.seeds, a.set, jobs=a.jobs, threads=threads_for(a.jobs), on_run=line)
        if res.failed: raise SystemExit(f"{len(res.failed)} run(s) failed: {res.failed[0]['error']}")
        done = {}
        for p, r in zip(res.points, res.rows):
            done.setdefault(name_of(r), []).append((res.results[p.name].metrics, res.results[p.name].acc_matrix, r['wall']))
        from dnn_lab.metrics import max_drop
        med = lambda n, k: float(np.median([m[k] for m, _, _ in done[n]]))
        order = [n for n, _, _ in variants(cfg)]
        for n, runs in sorted(done.items(), key=lambda kv: order.index(kv[0])):   # the authors' order, whatever order the runs finished in
            rows.append(dict(name=n, square=100 * med(n, 'square'), acc=100 * med(n, 'acc'), bwt=100 * med(n, 'bwt'), heads=med(n, 'n_heads'),
                             mb=med(n, 'mb'), drop=100 * float(np.median([max_drop(R)[0] for _, R, _ in runs])),
                             wall=float(np.median([w for _, _, w in runs]))))
        by = {r['name']: r['square'] for r in rows}
        ft, ne, ex_, dnn, joint = by['Finetune'], by['DNN no expand'], by['DNN expand'], by['DNN expand + LR trick'], by['Joint (stores old data)']
        checks += [check('ordering: finetune < DNN no expand < DNN expand (no LR trick)', ft < ne < ex_, f"{ft:.1f} < {ne:.1f} < {ex_:.1f}"),
                   check('the LR trick is not worse (no expand, expand)', by['DNN no expand + LR trick'] >= ne and dnn >= ex_,
                         f"{by['DNN no expand + LR trick']:.1f} vs {ne:.1f}, {dnn:.1f} vs {ex_:.1f}"),
                   check('DNN (expand + LR trick) >= finetune + 3 points', dnn >= ft + 3, f"{dnn:.1f} vs {ft:.1f}"),
                   check('DNN (expand + LR trick) within 5 points of joint training', abs(joint - dnn) <= 5,
                         f"{dnn:.1f} vs {joint:.1f}; without the LR trick the DNN is {ex_:.1f}, {joint - ex_:.1f} points below joint")]
        keep = {n: runs[0][1] for n, runs in done.items()}
        from dnn_lab.plots import plot_compare
        import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt
        fig = plot_compare({'finetune': keep['Finetune'], 'DNN (expand + LR trick)': keep['DNN expand + LR trick'], 'joint (old data)': keep['Joint (stores old data)']})
        if not skip and not a.set:                                  # the README's figure: only from a full run of the defaults
            (ROOT / 'docs' / 'img').mkdir(parents=True, exist_ok=True)
            fig.savefig(ROOT / 'docs' / 'img' / 'finetune_vs_dnn.png', dpi=80, bbox_inches='tight')
        plt.close(fig)
    if 'real' not in skip:
        try:
            names = {'finetune': 'finetune', 'dnn': 'DNN'}
            res = sweep_runs([{'method': ['finetune', 'dnn']}], a.seeds, a.set, stream='fashion-shift', jobs=a.jobs, threads=threads_for(a.jobs))
            if res.failed: raise SystemExit(f"{len(res.failed)} run(s) failed: {res.failed[0]['error']}")
            real = {}
            for p, r in zip(res.points, res.rows):
                m, R = res.results[p.name].metrics, res.results[p.name].acc_matrix
                real.setdefault(names[p.method], []).append((m, R))
                print(f"  fashion-shift {names[p.method]:<9} seed {r['seed']}: square {100 * m['square']:5.1f}  diagonal {np.round(100 * np.diag(R)).astype(int).tolist()}  "
                      f"heads {m['n_heads']}  {r['wall']:5.1f}s  {r['actions'].lower()}", flush=True)
            low = {n: min(float(np.diag(R).min()) for _, R in runs) for n, runs in real.items()}
            sq = {n: float(np.median([m['square'] for m, _ in runs])) for n, runs in real.items()}
            checks += [check('small real data: every task learnt >= 3x chance (finetune, DNN)', min(low.values()) >= 0.3,
                             ', '.join(f"{n} lowest diagonal {100 * v:.0f}%" for n, v in low.items())),
                       check("small real data: DNN square >= finetune's", sq['DNN'] >= sq['finetune'],
                             f"{100 * sq['DNN']:.1f} vs {100 * sq['finetune']:.1f}")]
        except FileNotFoundError as e: print(f"small real data skipped: {e}")

    if rows:
        hdr = '| method | square perf. | final acc | BWT | heads | MB | max drop | s | authors (square) |'
        lines = [hdr, '|' + '---|' * 9] + [f"| {r['name']} | {r['square']:.1f} | {r['acc']:.1f} | {r['bwt']:+.1f} | {r['heads']:.0f} | {r['mb']:.2f} | "
                                            f"{r['drop']:.1f} | {r['wall']:.0f} | {AUTHORS.get(r['name'], '')} |" for r in rows]
        print('\n' + '\n'.join(lines))
    md = [f"`python bench/bench_quick.py` on {cores} cores, seeds {a.seeds}, medians; reference workload {ref:.2f} s.", ''] + lines + [''] + \
         [f"- {w}: {'PASS' if ok else 'FAIL'} ({v})" for w, ok, v in checks]
    if not skip and not a.set: (ROOT / 'bench' / 'quick_results.md').write_text('\n'.join(md) + '\n')
    print(f"\n{sum(ok for _, ok, _ in checks)} of {len(checks)} checks pass")
    return 0 if all(ok for _, ok, _ in checks) else 1


if __name__ == '__main__': sys.exit(main())
