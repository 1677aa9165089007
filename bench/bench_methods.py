"""Every registered method on one stream, side by side (issues 8 and 10): accuracy, forgetting, storage, time.

The runs (every method x every seed, on the same stream, model and schedule) go through dnn_lab.sweep, as `dnn-lab
sweep` does: on a local Ray of --jobs runs at a time, each with the same torch threads, when Ray is installed, else one
after another in this process. Each method's time is also given relative to the finetune run of the same seed
(`x finetune`). The table gives medians over seeds: square performance, final accuracy, average
incremental accuracy, BWT, largest drop, parameters and MB of the network at the end, bytes of stored old data, MB of
everything else a method keeps (aux), the total, seconds, and the ratio to finetune. Then the overhead targets against
finetune, each printed with PASS/FAIL. Writes bench/methods_results.md (and bench/methods_results_<stream>.md for
another --stream). Run it on an otherwise idle machine.

Usage: python bench/bench_methods.py [--seeds 0 1 2] [--jobs 2] [--methods dnn,lwf,...] [--stream iros9] [--set key=value ...]
"""
from __future__ import annotations
import argparse, os, sys, time
from pathlib import Path
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import reference_seconds, check, threads_for, sweep_runs, run_line

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {'lwf': 1.35, 'ewc': 1.15, 'online_ewc': 1.15, 'mas': 1.15, 'slni': 1.15, 'si': 1.2,         # issue 8
           'er': 2.1, 'agem': 2.3, 'latent_replay': 1.2}                                              # issue 10


def builtin_methods() -> list[str]:
    from dnn_lab.learner import METHODS, load_builtin_methods
    load_builtin_methods()
    return [n for n, c in METHODS.items() if c.__module__.startswith('dnn_lab.')]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    ap.add_argument('--jobs', type=int, default=os.cpu_count() or 1)
    ap.add_argument('--methods', help='comma-separated (default: every built-in method)')
    ap.add_argument('--stream', help='a stream spec (default: the settings\' stream)')
    ap.add_argument('--set', action='append', default=[])
    a = ap.parse_args(argv)
    from dnn_lab.config import load_config, parse_sets
    from dnn_lab.metrics import max_drop
    from dnn_lab.learner import METHODS
    methods = a.methods.split(',') if a.methods else builtin_methods()
    cfg = load_config(**parse_sets(a.set))
    threads = threads_for(a.jobs)
    ref = reference_seconds(threads)
    print(f"{len(methods)} methods x seeds {a.seeds} on {a.stream or cfg.stream}; {a.jobs} worker(s) x {threads} thread(s); "
          f"reference workload {ref:.2f} s", flush=True)
    res = sweep_runs([{'method': ['finetune'] + [m for m in methods if m != 'finetune']}], a.seeds, a.set, stream=a.stream,
                     jobs=a.jobs, threads=threads, on_run=run_line)
    if res.failed: raise SystemExit(f"{len(res.failed)} run(s) failed: {res.failed[0]['error']}")
    ft = {r['seed']: r['wall'] for r in res.rows if r['method'] == 'finetune'}
    runs = {}
    for p, r in zip(res.points, res.rows):
        x = res.results[p.name]
        runs.setdefault(p.method, []).append((x.metrics, x.acc_matrix, r['wall'], r['wall'] / ft[p.seed], x.uses_old_data))
    rows = []
    for m, rs in runs.items():
        med = lambda k: float(np.median([x[0][k] for x in rs]))
        rows.append(dict(method=m + (' (old data)' if rs[0][4] else ''), name=m, square=100 * med('square'), acc=100 * med('acc'),
                         aia=100 * med('avg_inc_acc'), bwt=100 * med('bwt'), drop=100 * float(np.median([max_drop(x[1])[0] for x in rs])),
                         params=med('params'), mb=med('mb'), stored=med('stored_bytes'), aux=med('aux_mb'), total=med('total_mb'),
                         secs=float(np.median([x[2] for x in rs])), ratio=float(np.median([x[3] for x in rs]))))
    hdr = '| method | square | final acc | avg inc acc | BWT | max drop | params | MB | stored old data | aux MB | total MB | s | x finetune |'
    lines = [hdr, '|' + '---|' * 13] + [
        f"| {r['method']} | {r['square']:.1f} | {r['acc']:.1f} | {r['aia']:.1f} | {r['bwt']:+.1f} | {r['drop']:.1f} | {r['params']:,.0f} | "
        f"{r['mb']:.2f} | {r['stored'] / 2**20:.2f} MB | {r['aux']:.2f} | {r['total']:.2f} | {r['secs']:.0f} | {r['ratio']:.2f} |" for r in rows]
    print('\n' + '\n'.join(lines))
    checks = [check(f"{r['name']} time <= {TARGETS[r['name']]}x finetune", r['ratio'] <= TARGETS[r['name']], f"{r['ratio']:.2f}x")
              for r in rows if r['name'] in TARGETS]
    md = [f"`python bench/bench_methods.py{' --stream ' + a.stream if a.stream else ''}`: stream {a.stream or cfg.stream}, seeds {a.seeds}, medians; "
          f"{a.jobs} run(s) at a time x {threads} torch thread(s) on {os.cpu_count()} cores (dnn_lab.sweep, {res.engine}); times relative to "
          f"the finetune run of the same seed; reference workload {ref:.2f} s.", ''] + lines + [''] + [f"- {w}: {'PASS' if ok else 'FAIL'} ({v})" for w, ok, v in checks]
    if not a.set and not a.methods:
        name = 'methods_results.md' if not a.stream else f"methods_results_{a.stream.replace(':', '_').replace('/', '_')}.md"
        (ROOT / 'bench' / name).write_text('\n'.join(md) + '\n')
    return 0 if all(ok for _, ok, _ in checks) else 1


if __name__ == '__main__': sys.exit(main())
