"""dnn_lab.sweep on Ray against the same runs one after another in one process (issue 14), printed with PASS/FAIL.

  1. Ray's start-up: seconds for a LocalRay of this machine's cores (127.0.0.1, no dashboard), and to stop it
  2. one after another: the grid's 8 small runs (DNN, expand_threshold 0.3 0.5 0.7 0.9 x seeds 0 1) with `run_sequence`
     in this process, torch using every core
  3. the same grid through `sweep` on that Ray, one core per run: wall seconds, the speed-up over 2 (on 2 cores one
     expects close to 2x: the runs are independent and small runs do not use many threads well), and that every run's
     accuracy matrix equals its one-after-another twin
Run it on an otherwise idle machine: the numbers are wall times.

Usage: python bench/bench_sweep.py [--cpus N] [--set key=value ...] [--smoke]   (--smoke: tiny runs, no reference workload, to see that it runs)
"""
from __future__ import annotations
import argparse, os, sys, tempfile, time
from pathlib import Path
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import reference_seconds, check

GRID = {'expand_threshold': [0.3, 0.5, 0.7, 0.9]}
SEEDS = [0, 1]
SMALL = ['n_classes=6', 'n_train=20', 'n_test=10', 'base_epochs=4', 'base_milestones=', 'inc_epochs=2', 'inc_milestones=']
SMOKE = ['n_classes=3', 'image_size=16', 'width=4', 'batch_size=8', 'n_train=4', 'n_test=2', 'base_epochs=2', 'inc_epochs=1']


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--cpus', type=int, default=os.cpu_count() or 1, help="the local Ray's CPUs and the threads of the one-after-another runs")
    ap.add_argument('--set', action='append', default=[], help='settings on top of the small ones (e.g. --set n_train=4 for a smoke run)')
    ap.add_argument('--smoke', action='store_true', help='tiny runs and no reference workload: checks that the bench runs, measures nothing')
    a = ap.parse_args(argv)
    import torch
    from dnn_lab.config import load_config, parse_sets
    from dnn_lab.data import stream_from_config
    from dnn_lab.run import run_sequence
    from dnn_lab.sweep import sweep, grid_points, LocalRay, ray_available
    if not ray_available(): raise SystemExit("bench_sweep needs Ray: pip install 'dnn-lab[sweep]'")
    sets = parse_sets(SMALL + (SMOKE if a.smoke else []) + a.set)
    cfg = load_config(**sets)
    stream = stream_from_config(cfg)
    points = grid_points(GRID, 'dnn', SEEDS)
    ref = float('nan') if a.smoke else reference_seconds(a.cpus)
    print(f"{os.cpu_count()} cores, Ray and threads: {a.cpus}; reference workload (bench/common.py): {ref:.2f} s; "
          f"{len(points)} runs of the DNN on {stream.name} ({len(stream)} tasks, {cfg.n_train} training images a class, arch {cfg.arch}, "
          f"base {cfg.base_epochs} epochs, inc {cfg.inc_epochs} epochs)", flush=True)
    checks = []

    threads = torch.get_num_threads()
    torch.set_num_threads(a.cpus)
    seq, t0 = {}, time.perf_counter()
    for p in points:
        seq[p.name] = run_sequence(stream, 'dnn', p.seed, cfg=cfg, keep_model=False, **dict(p.settings))
    t_seq = time.perf_counter() - t0
    torch.set_num_threads(threads)
    print(f"one after another in this process ({a.cpus} threads): {t_seq:.1f} s ({t_seq / len(points):.1f} s a run)", flush=True)

    t0 = time.perf_counter()
    lr = LocalRay(num_cpus=a.cpus, num_gpus=0).start()
    t_start = time.perf_counter() - t0
    try:
        with tempfile.TemporaryDirectory() as d:
            t0 = time.perf_counter()
            res = sweep(GRID, 'dnn', SEEDS, stream=stream, out=d, progress=False, **sets)
            t_ray = time.perf_counter() - t0
    finally:
        t0 = time.perf_counter(); lr.stop(); t_stop = time.perf_counter() - t0
    print(f"Ray: started in {t_start:.1f} s, stopped in {t_stop:.1f} s; the sweep on it ({a.cpus} runs at a time, 1 thread each): {t_ray:.1f} s", flush=True)

    same = all(r['status'] == 'complete' and np.array_equal(res.results[p.name].acc_matrix, seq[p.name].acc_matrix)
               for p, r in zip(points, res.rows))
    checks.append(check('every run of the sweep gives the matrix of the same run made alone', same,
                        f"{sum(r['status'] == 'complete' for r in res.rows)} of {len(points)} complete"))
    speed = t_seq / t_ray
    if a.cpus >= 2:
        checks.append(check(f'sweep on Ray >= 1.5x faster than one after another ({a.cpus} cores)', speed >= 1.5, f"{speed:.2f}x"))
    checks.append(check("Ray's start-up <= 30 s", t_start <= 30, f"{t_start:.1f} s"))
    with_start = t_seq / (t_ray + t_start + t_stop)
    print(f"\nspeed-up {speed:.2f}x; counting Ray's start and stop: {with_start:.2f}x. "
          f"{sum(ok for _, ok, _ in checks)} of {len(checks)} checks pass")
    return 0 if all(ok for _, ok, _ in checks) else 1


if __name__ == '__main__': sys.exit(main())
