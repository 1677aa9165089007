"""How much the threshold explorer's rerun saves: a cold DNN run, then a rerun after a threshold change.

Both on the same stream (settings.ini as it is unless --set: the default stream, quick preset), in one process,
one after the other. The rerun shares the cold run's RunCache; its threshold is chosen from the cold run's
decisions (dnn_lab.widgets.threshold_for_task) so that the first task whose decision changes is task K, a task
in the middle of the stream unless --task says otherwise. Tasks before K are reused, K and later are trained again.
Prints both wall-clock times and their ratio; exits 1 when the ratio is below --min-ratio (default 3).
With --verify, also runs the new threshold cold and checks the rerun gave the same accuracy matrix.

Usage: python bench/bench_rerun.py [--task K] [--min-ratio 3] [--verify] [--set key=value ...]
"""
import argparse, sys, time
import numpy as np
from dnn_lab.config import load_config, parse_sets
from dnn_lab.data import stream_from_config
from dnn_lab.run import run_sequence, RunCache
from dnn_lab.widgets import first_change, threshold_for_task


def timed_run(stream, cfg, cache, **overrides):
    "A DNN run, its wall-clock seconds, which tasks came from the cache and each task's wall-clock seconds (gap test, training, evaluation)."
    cached, per_task, last = [], [], [0.0]
    def note(event, **info):
        if event == 'task_start': last[0] = time.perf_counter()
        if event == 'task_end': cached.append(bool(info['cached'])); per_task.append(time.perf_counter() - last[0])
    t0 = time.perf_counter()
    res = run_sequence(stream, 'dnn', cfg.seed, cfg=cfg, cache=cache, callbacks=[note], **overrides)
    res.task_wall = per_task
    return res, time.perf_counter() - t0, cached


def pick_task(decisions, wanted=None):
    "The task K (and its threshold) the rerun starts from: `wanted`, else the changeable task nearest the middle."
    T = len(decisions)
    order = [wanted] if wanted is not None else sorted(range(1, T), key=lambda k: (abs(k - T // 2), -k))
    for k in order:
        th = threshold_for_task(decisions, k)
        if th is not None: return k, th
    raise SystemExit(f"no threshold makes task {wanted if wanted is not None else 'in 1..T-1'} the first to change; "
                     f"gap accuracies: {[d['gap_acc'] for d in decisions]}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--task', type=int, help='the task whose decision should change first (default: one in the middle)')
    ap.add_argument('--min-ratio', type=float, default=3.0)
    ap.add_argument('--verify', action='store_true', help='also run the new threshold cold and compare')
    ap.add_argument('--set', action='append', default=[])
    a = ap.parse_args(argv)
    cfg = load_config(**parse_sets(a.set))
    t0 = time.perf_counter()
    stream = stream_from_config(cfg)
    print(f"stream {stream.name}: {len(stream)} tasks x {stream.n_classes} classes, {len(stream[0].train)} train images per task "
          f"(rendered in {time.perf_counter() - t0:.1f} s); preset {cfg.preset} ({cfg.arch}), device {cfg.device}, "
          f"threshold {cfg.expand_threshold}", flush=True)
    cache = RunCache()
    cold, t_cold, _ = timed_run(stream, cfg, cache)
    acts = ''.join(d['action'][0].upper() for d in cold.decisions)
    print(f"cold run : {t_cold:7.1f} s  decisions {acts}  gap acc {[None if d['gap_acc'] is None else round(d['gap_acc'], 3) for d in cold.decisions]}", flush=True)
    k, th = pick_task(cold.decisions, a.task)
    assert first_change(cold.decisions, th) == k
    rerun, t_re, cached = timed_run(stream, cfg, cache, expand_threshold=th)
    acts2 = ''.join(d['action'][0].upper() for d in rerun.decisions)
    print(f"rerun    : {t_re:7.1f} s  decisions {acts2}  threshold {cfg.expand_threshold} -> {th:.6f} (first change: task {k}); "
          f"reused tasks {[i for i, c in enumerate(cached) if c]}", flush=True)
    re_reused, re_trained = sum(rerun.task_wall[:k]), sum(rerun.task_wall[k:])
    print(f"           rerun time: {re_reused:.1f} s in the {k} reused tasks (gap test + evaluation), {re_trained:.1f} s in the "
          f"{len(stream) - k} retrained ones (cold run: {sum(cold.task_wall[k:]):.1f} s for those), "
          f"{t_re - re_reused - re_trained:.1f} s outside tasks", flush=True)
    if cached[:k] != [True] * k or any(cached[k:]):
        print(f"UNEXPECTED: tasks 0..{k - 1} should be reused and {k}.. trained; cached = {cached}"); return 1
    ratio = t_cold / t_re
    print(f"\n| stream | tasks | first changed task | cold s | rerun s | speed-up |\n|---|---|---|---|---|---|\n"
          f"| {stream.name} | {len(stream)} | {k} | {t_cold:.1f} | {t_re:.1f} | {ratio:.1f}x |")
    ok = ratio >= a.min_ratio
    if a.verify:
        ref, t_ref, _ = timed_run(stream, cfg, None, expand_threshold=th)
        same = np.array_equal(ref.acc_matrix, rerun.acc_matrix)
        print(f"verify   : cold run at the new threshold {t_ref:.1f} s; same accuracy matrix as the rerun: {same}")
        ok = ok and same
    print(f"{'OK' if ok else 'FAIL'}: rerun speed-up {ratio:.1f}x (needs >= {a.min_ratio:g}x)")
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
