"""How much the threshold explorer's rerun saves: a cold DNN run, then reruns after a threshold change.

All on one stream (settings.ini as it is unless --set: the default stream, quick preset), in one process, one after
the other. Each rerun shares the cold run's RunCache (as the explorer does); its threshold is chosen from the cold
run's decisions (dnn_lab.widgets.threshold_for_task) so that the first task whose decision changes is task K: tasks
before K are reused, K and later are trained again. K defaults to the middle of the incremental tasks 1..T-1, i.e.
T//2 + 1 (task 5 of 9: half of the incremental tasks, 5..8, are retrained), or the nearest task that a threshold can
make the first to change; --also adds reruns from other tasks, printed for information (default: every other task
that a threshold can make the first to change, so the table covers every rerun the explorer can meet).
Prints wall-clock and CPU seconds side by side and the speed-ups; exits 1 when the wall-clock speed-up of the rerun
from K is below --min-ratio (default 3). CPU seconds (this process only) are less disturbed by other processes on a
shared machine. With --verify, also runs the new threshold cold and checks the rerun gave the same accuracy matrix.

Usage: python bench/bench_rerun.py [--task K] [--also K2 ...] [--min-ratio 3] [--verify] [--set key=value ...]
"""
import argparse, sys, time
import numpy as np
from dnn_lab.config import load_config, parse_sets
from dnn_lab.data import stream_from_config
from dnn_lab.run import run_sequence, RunCache
from dnn_lab.widgets import first_change, threshold_for_task


def timed_run(stream, cfg, cache, **overrides):
    "A DNN run with its wall-clock and CPU seconds, which tasks came from the cache, and each task's wall-clock seconds."
    cached, per_task, last = [], [], [0.0]
    def note(event, **info):
        if event == 'task_start': last[0] = time.perf_counter()
        if event == 'task_end': cached.append(bool(info['cached'])); per_task.append(time.perf_counter() - last[0])
    w0, c0 = time.perf_counter(), time.process_time()
    res = run_sequence(stream, 'dnn', cfg.seed, cfg=cfg, cache=cache, callbacks=[note], **overrides)
    return dict(res=res, wall=time.perf_counter() - w0, cpu=time.process_time() - c0, cached=cached, per_task=per_task)


def pick_threshold(decisions, wanted: int):
    "Task `wanted` (or the nearest task after it, then before it, that can be) and a threshold making it the first to change."
    T = len(decisions)
    for k in [*range(wanted, T), *range(wanted - 1, 0, -1)]:
        th = threshold_for_task(decisions, k)
        if th is not None: return k, th
    raise SystemExit(f"no threshold changes the decision of any task 1..{T - 1} first; gap accuracies: {[d['gap_acc'] for d in decisions]}")


def acts(res): return ''.join(d['action'][0].upper() for d in res.decisions)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--task', type=int, help='the task whose decision should change first (default: T//2 + 1)')
    ap.add_argument('--also', type=int, nargs='*', help='more first-changed tasks to rerun from, for information (default: T//2)')
    ap.add_argument('--min-ratio', type=float, default=3.0)
    ap.add_argument('--verify', action='store_true', help='also run the main rerun threshold cold and compare the matrices')
    ap.add_argument('--set', action='append', default=[])
    a = ap.parse_args(argv)
    cfg = load_config(**parse_sets(a.set))
    t0 = time.perf_counter()
    stream = stream_from_config(cfg)
    T = len(stream)
    print(f"stream {stream.name}: {T} tasks x {stream.n_classes} classes, {len(stream[0].train)} train images per task "
          f"(rendered in {time.perf_counter() - t0:.1f} s); preset {cfg.preset} ({cfg.arch}), device {cfg.device}, "
          f"threshold {cfg.expand_threshold}", flush=True)
    cache = RunCache()
    cold = timed_run(stream, cfg, cache)
    gaps = [None if d['gap_acc'] is None else round(d['gap_acc'], 3) for d in cold['res'].decisions]
    print(f"cold run       : {cold['wall']:6.1f} s wall, {cold['cpu']:6.1f} s CPU; decisions {acts(cold['res'])}; gap acc {gaps}", flush=True)
    print(f"  per task     : {[round(s, 1) for s in cold['per_task']]} s wall (gap test + training + evaluation), of which training "
          f"{[round(s, 1) for s in cold['res'].timings]} s", flush=True)
    main_k = a.task if a.task is not None else T // 2 + 1
    also = a.also if a.also is not None else [k for k in range(1, T) if threshold_for_task(cold['res'].decisions, k) is not None]
    todo = {}                                               # first changed task -> threshold, the criterion's first
    for wanted in [main_k, *also]:
        k, th = pick_threshold(cold['res'].decisions, wanted)
        todo.setdefault(k, th)
    rows, ok, main_row = [], True, None
    for i, (k, th) in enumerate(todo.items()):
        assert first_change(cold['res'].decisions, th) == k
        re = timed_run(stream, cfg, cache, expand_threshold=th)
        if re['cached'][:k] != [True] * k or any(re['cached'][k:]):
            print(f"UNEXPECTED: tasks 0..{k - 1} should be reused and {k}.. trained; cached = {re['cached']}"); return 1
        reused_s, trained_s = sum(re['per_task'][:k]), sum(re['per_task'][k:])
        print(f"rerun from {k:>2}  : {re['wall']:6.1f} s wall, {re['cpu']:6.1f} s CPU; threshold -> {th:.6f}; decisions {acts(re['res'])}; "
              f"{reused_s:.1f} s in the {k} reused tasks (gap test + evaluation), {trained_s:.1f} s in the {T - k} retrained "
              f"(the cold run spent {sum(cold['per_task'][k:]):.1f} s on those tasks)", flush=True)
        row = dict(k=k, th=th, wall=re['wall'], cpu=re['cpu'], ratio=cold['wall'] / re['wall'], cpu_ratio=cold['cpu'] / re['cpu'], res=re['res'])
        rows.append(row)
        if i == 0: main_row = row
    print(f"\n| stream | tasks | first changed task | retrained tasks | cold s | rerun s | speed-up (wall) | speed-up (CPU) |\n"
          f"|---|---|---|---|---|---|---|---|")
    for r in [main_row, *sorted(rows[1:], key=lambda r: r['k'])]:
        print(f"| {stream.name} | {T} | {r['k']} | {T - r['k']} | {cold['wall']:.1f} | {r['wall']:.1f} | {r['ratio']:.1f}x | {r['cpu_ratio']:.1f}x |"
              + (' (criterion)' if r is main_row else ''))
    ok = main_row['ratio'] >= a.min_ratio
    if a.verify:
        ref = timed_run(stream, cfg, None, expand_threshold=main_row['th'])
        same = np.array_equal(ref['res'].acc_matrix, main_row['res'].acc_matrix)
        print(f"verify: a cold run at threshold {main_row['th']:.6f} took {ref['wall']:.1f} s; same accuracy matrix as the rerun: {same}")
        ok = ok and same
    print(f"{'OK' if ok else 'FAIL'}: rerun from task {main_row['k']} is {main_row['ratio']:.1f}x faster (wall) than the cold run; needs >= {a.min_ratio:g}x")
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
