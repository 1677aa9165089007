"""The overhead targets of issues 8 and 10, measured in pairs: each method against a finetune run next to it.

bench_methods.py divides each method's time by the finetune run of the same seed, which ran at another moment of the
bench, next to another run; on a machine whose load changes, that ratio carries the change (its online EWC, which does
strictly more work than finetune, came out at 0.94x). Here every (method, seed) is a pair run in one worker process,
back to back, finetune first for even seeds and second for odd ones, so the two see the same load; the ratio is the
pair's, and a method's ratio is the median over its seeds. Same stream, model and schedules as every run of the lab
(settings.ini, quick preset). Writes bench/overhead_results.md (included in the README) and exits 1 when a target fails.

Usage: python bench/bench_overhead.py [--seeds 0 1 2] [--jobs 2] [--methods lwf,ewc,...] [--set key=value ...]
"""
from __future__ import annotations
import argparse, os, sys, time
from pathlib import Path
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import check, pool, threads_for, reference_seconds
from bench_methods import TARGETS

ROOT = Path(__file__).resolve().parents[1]


def pair(args) -> dict:
    "One worker's pair: finetune and `method` on seed `seed`, back to back in this process; wall seconds of each."
    method, seed, sets, threads = args
    import torch; torch.set_num_threads(threads)
    from dnn_lab.config import load_config, parse_sets
    from dnn_lab.data import stream_from_config
    from dnn_lab.run import run_sequence
    cfg = load_config(**parse_sets(sets)); stream = stream_from_config(cfg)
    walls = {}
    for m in (('finetune', method) if seed % 2 == 0 else (method, 'finetune')):
        t0 = time.perf_counter(); run_sequence(stream, m, seed, cfg=cfg, keep_model=False); walls[m] = time.perf_counter() - t0
    print(f"  seed {seed} {method:<14} {walls[method]:6.1f} s  finetune {walls['finetune']:6.1f} s  ratio {walls[method] / walls['finetune']:.3f}", flush=True)
    return dict(method=method, seed=seed, secs=walls[method], finetune=walls['finetune'])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    ap.add_argument('--jobs', type=int, default=os.cpu_count() or 1)
    ap.add_argument('--methods', help=f"comma-separated (default: those with a target: {', '.join(TARGETS)})")
    ap.add_argument('--set', action='append', default=[])
    a = ap.parse_args(argv)
    methods = a.methods.split(',') if a.methods else list(TARGETS)
    unknown = [m for m in methods if m not in TARGETS]
    if unknown: raise SystemExit(f"no overhead target for {', '.join(unknown)}; methods with one: {', '.join(TARGETS)}")
    threads = threads_for(a.jobs)
    ref = reference_seconds(threads)
    print(f"{len(methods)} methods x seeds {a.seeds}, each paired with finetune in one worker; {a.jobs} worker(s) x {threads} thread(s); "
          f"reference workload {ref:.2f} s", flush=True)
    jobs = [(m, s, a.set, threads) for s in a.seeds for m in methods]
    with pool(a.jobs) as ex: rows = list(ex.map(pair, jobs))
    lines = ['| method | target | ratio to finetune (median) | per seed | s (median) | finetune s (median) |', '|---|---|---|---|---|---|']
    checks = []
    for m in methods:
        rs = [r for r in rows if r['method'] == m]
        ratios = [r['secs'] / r['finetune'] for r in rs]
        med = float(np.median(ratios))
        lines.append(f"| {m} | <= {TARGETS[m]}x | {med:.2f}x | {', '.join(f'{x:.2f}' for x in ratios)} | "
                     f"{np.median([r['secs'] for r in rs]):.0f} | {np.median([r['finetune'] for r in rs]):.0f} |")
        checks.append(check(f"{m} time <= {TARGETS[m]}x finetune (paired)", med <= TARGETS[m], f"{med:.2f}x"))
    print('\n' + '\n'.join(lines))
    if not a.set:
        cmd = 'python bench/bench_overhead.py' + (f' --methods {a.methods}' if a.methods else '')
        md = [f"`{cmd}`: seeds {a.seeds}, each method paired with a finetune run in the same worker, back to back "
              f"(medians of the pairs' ratios); {a.jobs} worker(s) x {threads} torch thread(s) on {os.cpu_count()} cores; reference workload {ref:.2f} s.",
              ''] + lines + [''] + [f"- {w}: {'PASS' if ok else 'FAIL'} ({v})" for w, ok, v in checks]
        (ROOT / 'bench' / 'overhead_results.md').write_text('\n'.join(md) + '\n')
    return 0 if all(ok for _, ok, _ in checks) else 1


if __name__ == '__main__': sys.exit(main())
