"""The authors' comparison on the embedded default stream (quick preset), median over seeds.

Prints: square performance (the authors' headline), final accuracy, BWT, heads and model size for finetune,
DNN without expansion, DNN with expansion (each with and without the small incremental learning rate, the
"LR trick") and joint training; then the checks of issue 3 (finetune forgets >= 15 points somewhere, the full
DNN quick run takes < 60 s). Writes bench/results.md and docs/img/finetune_vs_dnn.png.

Runs are spread over `--jobs` worker processes (default: one per core), each with cores/jobs torch threads, so with
the default each run's wall time is a single-thread time (an upper bound of what the same run takes alone with all
cores); `--jobs 1` times runs one after the other with every core. The speed check (the full DNN quick run under 60 s)
times one more run of the full DNN alone, with every core.

Usage: python bench/bench_methods.py [--seeds 0 1 2] [--jobs 2] [--set key=value ...]
"""
import argparse, os, sys, time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
import numpy as np
from dnn_lab.config import load_config, parse_sets
from dnn_lab.data import stream_from_config
from dnn_lab.run import run_sequence
from dnn_lab.metrics import max_drop

ROOT = Path(__file__).resolve().parents[1]
AUTHORS = {'Finetune': 93.84, 'DNN no expand': 94.50, 'DNN expand': 95.75, 'DNN no expand + LR trick': 96.01, 'DNN expand + LR trick': 96.83}

def variants(cfg):
    big = dict(inc_lr=cfg.base_lr)                      # no LR trick: incremental lr = base lr
    return [('Finetune', 'finetune', big), ('Finetune + LR trick', 'finetune', {}),
            ('DNN no expand', 'dnn', dict(expand=False, **big)), ('DNN expand', 'dnn', big),
            ('DNN no expand + LR trick', 'dnn', dict(expand=False)), ('DNN expand + LR trick', 'dnn', {}),
            ('Joint (stores old data)', 'joint', {})]

def one_run(args):
    "One (variant, seed) run in a worker process with `threads` torch threads; returns the result and its wall time."
    sets, name, method, ov, seed, threads = args
    import torch; torch.set_num_threads(threads)
    cfg = load_config(**parse_sets(sets))
    stream = stream_from_config(cfg)
    t0 = time.perf_counter()
    r = run_sequence(stream, method, seed=seed, cfg=cfg, keep_model=False, **ov)
    return name, seed, r, time.perf_counter() - t0

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    ap.add_argument('--set', action='append', default=[])
    ap.add_argument('--only', nargs='*', help='run only these variant names')
    ap.add_argument('--jobs', type=int, default=os.cpu_count() or 1, help='worker processes (one torch thread each)')
    a = ap.parse_args(argv)
    cfg = load_config(**parse_sets(a.set))
    stream = stream_from_config(cfg)
    print(f"{a.jobs} worker process(es), {max(1, (os.cpu_count() or 1) // a.jobs)} torch thread(s) each")
    print(f"stream {stream.name}: {len(stream)} tasks x {stream.n_classes} classes, {len(stream[0].train)} train / {len(stream[0].test)} test per task; "
          f"preset {cfg.preset} ({cfg.arch}); seeds {a.seeds}; base_lr {cfg.base_lr}, inc_lr {cfg.inc_lr}, threshold {cfg.expand_threshold}", flush=True)
    threads = max(1, (os.cpu_count() or 1) // a.jobs)
    todo = [(a.set, name, method, ov, s, threads) for name, method, ov in variants(cfg) if not a.only or name in a.only for s in a.seeds]
    done = {}
    with ProcessPoolExecutor(max_workers=a.jobs) as ex:
        for name, s, r, wall in ex.map(one_run, todo):
            done.setdefault(name, []).append((r, wall))
            print(f"  {name:<26} seed {s}: square {r.metrics['square']*100:5.1f}  acc {r.metrics['acc']*100:5.1f}  "
                  f"bwt {r.metrics['bwt']*100:+5.1f}  heads {r.metrics['n_heads']}  wall {wall:5.1f}s  "
                  f"actions {''.join(d['action'][0] for d in r.decisions)}", flush=True)
    rows, keep = [], {}
    for name, runs in done.items():
        med = lambda k: float(np.median([r.metrics[k] for r, _ in runs]))
        rows.append(dict(name=name, square=100*med('square'), acc=100*med('acc'), bwt=100*med('bwt'),
                         heads=med('n_heads'), mb=med('mb'), wall=float(np.median([w for _, w in runs])),
                         drop=float(np.median([max_drop(r.acc_matrix)[0] for r, _ in runs])) * 100))
        keep[name] = runs[0][0]
    hdr = f'| method | square perf. | final acc | BWT | heads | MB | max drop | s ({threads} thread{"s" if threads > 1 else ""}) | authors (square) |'
    lines = [hdr, '|' + '---|' * 9]
    for r in rows:
        au = AUTHORS.get(r['name'])
        lines.append(f"| {r['name']} | {r['square']:.1f} | {r['acc']:.1f} | {r['bwt']:+.1f} | {r['heads']:.0f} | {r['mb']:.2f} | "
                     f"{r['drop']:.1f} | {r['wall']:.0f} | {'' if au is None else f'{au:.2f}'} |")
    table = '\n'.join(lines)
    print('\n' + table)
    print("(medians over seeds; accuracies in %; max drop = largest fall of a task below its accuracy right after training it)")
    by = {r['name']: r for r in rows}
    checks = []
    if 'Finetune' in by: checks.append(('finetune forgets >= 15 points on some task', by['Finetune']['drop'] >= 15, f"{by['Finetune']['drop']:.1f} points"))
    timed = None
    if 'DNN expand + LR trick' in by:                  # the speed target: one run alone, with every core, as a user runs it
        cores = os.cpu_count() or 1
        with ProcessPoolExecutor(max_workers=1) as ex:
            *_, timed = ex.submit(one_run, (a.set, 'DNN expand + LR trick', 'dnn', {}, a.seeds[0], cores)).result()
        checks.append((f'full DNN quick run < 60 s (alone, {cores} threads, seed {a.seeds[0]})', timed < 60, f"{timed:.1f} s"))
    for what, ok, val in checks: print(f"check: {what}: {'PASS' if ok else 'FAIL'} ({val})")
    (ROOT/'bench').mkdir(exist_ok=True)
    checks_md = '\n'.join(f"- {what}: {'PASS' if ok else 'FAIL'} ({val})" for what, ok, val in checks)
    if not a.only: (ROOT/'bench'/'results.md').write_text(
        f"Embedded stream `{stream.name}`, quick preset, seeds {a.seeds}, medians; `python bench/bench_methods.py` "
        f"({a.jobs} worker processes, {threads} torch thread{'s' if threads > 1 else ''} each, on {os.cpu_count()} cores)\n\n{table}\n\n{checks_md}\n")
    if 'Finetune' in keep and 'DNN expand + LR trick' in keep:
        from dnn_lab.plots import plot_compare
        import matplotlib.pyplot as plt
        fig = plot_compare({'finetune': keep['Finetune'].acc_matrix, 'DNN (expand + LR trick)': keep['DNN expand + LR trick'].acc_matrix})
        (ROOT/'docs'/'img').mkdir(parents=True, exist_ok=True)
        fig.savefig(ROOT/'docs'/'img'/'finetune_vs_dnn.png', dpi=80, bbox_inches='tight'); plt.close(fig)
    return 0 if all(ok for _, ok, _ in checks) else 1

if __name__ == '__main__': sys.exit(main())
