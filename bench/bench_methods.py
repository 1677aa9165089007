"""Every registered method on one stream, side by side (issues 8 and 10): accuracy, forgetting, storage, time.

The runs (every method x every seed, on the same stream, model and schedule) go through dnn_lab.sweep, as `dnn-lab
sweep` does: on a local Ray of --jobs runs at a time, each with the same torch threads, when Ray is installed, else one
after another in this process. Each method's time is also given relative to the finetune run of the same seed
(`x finetune`). The table gives medians over seeds: square performance, final accuracy, average
incremental accuracy, BWT, largest drop, the accuracy at the end on the earlier tasks (old) and on the last one (new),
parameters and MB of the network at the end, bytes of stored old data, MB of everything else a method keeps (aux), the
total, seconds, and the ratio to finetune. Then the overhead targets against finetune, each printed with PASS/FAIL, and
a Pareto figure: final accuracy against total MB and against seconds, the methods no other beats on both joined.
On a class-incremental stream (class_inc, fashion-split) also: iCaRL's and LUCIR's time against finetune (PASS/FAIL), the
seconds DF-GR and DT-ID spend training generators, and the published split MNIST ordering (van de Ven et al. 2019)
beside this stream's: whether regularisation alone stays near finetune and replay far above it.
Writes bench/methods_results.md, docs/img/methods_pareto.png and bench/methods_runs.json (every run's numbers), or
the same with _<stream> for another --stream. Run it on an otherwise idle machine.

Usage: python bench/bench_methods.py [--seeds 0 1 2] [--jobs 2] [--methods dnn,lwf,...] [--stream iros9] [--set key=value ...]
       python bench/bench_methods.py --rerun dgr [--stream ...]   (run these methods again, keep every other row of the last full run)
"""
from __future__ import annotations
import argparse, json, os, re, sys, time
from pathlib import Path
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import reference_seconds, check, threads_for, sweep_runs, run_line

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {'lwf': 1.35, 'ewc': 1.15, 'online_ewc': 1.15, 'mas': 1.15, 'slni': 1.15, 'si': 1.2,         # issue 8
           'er': 2.1, 'agem': 2.3, 'latent_replay': 1.2}                                              # issue 10
CI_TARGETS = {'icarl': 2.5, 'lucir': 2.5}                           # issue 11: on a class-incremental stream, same epochs
# van de Ven, van de Ven & Tolias 2019 (FIELD_NOTES, section A): split MNIST, Class-IL, final average accuracy (%)
SPLIT_MNIST = {'finetune': 19.90, 'ewc': 20.01, 'online_ewc': 19.96, 'si': 19.99, 'lwf': 23.85, 'dgr': 90.79, 'icarl': 94.6}
REGULARISATION, REPLAY = ('ewc', 'online_ewc', 'si', 'mas', 'lwf'), ('er', 'icarl', 'dgr', 'df_gr', 'dt_id')
NEAR, FAR = 10.0, 15.0       # points: "near finetune" and "far above" the regularisation methods, our reading of the published gap


def builtin_methods() -> list[str]:
    from dnn_lab.learner import METHODS, load_builtin_methods
    load_builtin_methods()
    return [n for n, c in METHODS.items() if c.__module__.startswith('dnn_lab.')]


def pareto_figure(rows, path: Path, title: str):
    "Final accuracy against total MB and against seconds, one point per method (hollow: uses old data), the Pareto front joined."
    import matplotlib; matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from dnn_lab.metrics import pareto_front
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6))
    for ax, key, label in ((axes[0], 'total', 'total MB (network + stored data + aux), log'), (axes[1], 'secs', 'seconds of the run, log')):
        pts = [(r[key], r['acc']) for r in rows]
        for r, (c, v) in zip(rows, pts):
            ax.scatter(c, v, s=36, facecolors='none' if r['old_data'] else 'C0', edgecolors='C0')
            ax.annotate(r['name'], (c, v), fontsize=7, xytext=(3, 3), textcoords='offset points')
        f = pareto_front(dict(enumerate(pts)))
        ax.step([pts[i][0] for i in f], [pts[i][1] for i in f], where='post', color='C3', lw=1, label='Pareto front')
        ax.set(xscale='log', xlabel=label, ylabel='final accuracy (%)')
        ax.legend(fontsize=8, loc='lower right')
    fig.suptitle(f'Every method: accuracy against cost ({title}; hollow: keeps old data)', fontsize=10)
    fig.tight_layout(); path.parent.mkdir(parents=True, exist_ok=True); fig.savefig(path, dpi=90); plt.close(fig)


def class_inc_notes(rows) -> list[str]:
    "Markdown lines: the generators' share of DF-GR's and DT-ID's time, and the published split MNIST ordering beside ours."
    by = {r['name']: r for r in rows}
    out = [f"- generator training (part of the run's seconds; medians): " + ', '.join(
        f"{r['name']} {r['gen']:.0f} s of {r['secs']:.0f} s" for r in rows if r['gen'] is not None)] if any(r['gen'] is not None for r in rows) else []
    common = [m for m in SPLIT_MNIST if m in by]
    if 'finetune' not in by: return out
    out += ['', 'The published class-incremental ordering on split MNIST (van de Ven et al. 2019, final accuracy; FIELD_NOTES) beside '
            'this stream (a different data set and network: only the ordering compares):', '',
            '| method | split MNIST (published) | this stream |', '|---|---|---|'] + [
            f"| {m} | {SPLIT_MNIST[m]:.1f} | {by[m]['acc']:.1f} |" for m in common]
    ft, reg, rep = by['finetune']['acc'], [by[m] for m in REGULARISATION if m in by], [by[m] for m in REPLAY if m in by]
    if reg:
        top = max(reg, key=lambda r: r['acc'])
        out += ['', f"- regularisation alone stays near finetune (every one of {', '.join(r['name'] for r in reg)} within {NEAR:.0f} points of "
                f"finetune's {ft:.1f}): {'holds' if top['acc'] - ft <= NEAR else 'does not hold'} (highest: {top['name']} {top['acc']:.1f})"]
        if rep:
            far = [r for r in rep if r['acc'] - top['acc'] >= FAR]
            out += [f"- replay far above (every one of {', '.join(r['name'] for r in rep)} at least {FAR:.0f} points above the best "
                    f"regularisation method, {top['acc']:.1f}): {'holds' if len(far) == len(rep) else 'does not hold'}; "
                    + '; '.join(f"{w}: " + ', '.join(f"{r['name']} {r['acc']:.1f}" for r in g) for w, g in
                                (('far above', far), ('not', [r for r in rep if r not in far])) if g)]
    return out


def table_rows(entries: list[dict]) -> list[dict]:
    "One row per method from the runs' entries (method, seed, wall, metrics, acc_matrix): medians over seeds; time relative to finetune of the same seed."
    from dnn_lab.metrics import max_drop
    ft = {e['seed']: e['wall'] for e in entries if e['method'] == 'finetune'}
    runs = {}
    for e in entries: runs.setdefault(e['method'], []).append(e)
    rows = []
    for m, rs in runs.items():
        med = lambda k: float(np.median([x[k] for x in rs]))
        old_data = bool(rs[0].get('uses_old_data', rs[0]['stored_bytes'] > 0))
        rows.append(dict(method=m + (' (old data)' if old_data else ''), name=m, square=100 * med('square'), acc=100 * med('acc'),
                         aia=100 * med('avg_inc_acc'), bwt=100 * med('bwt'), drop=100 * float(np.median([x['max_drop'] if 'max_drop' in x else max_drop(np.array(x['acc_matrix']))[0] for x in rs])),
                         old=100 * med('old_acc'), new=100 * med('new_acc'), old_data=old_data,
                         params=med('params'), mb=med('mb'), stored=med('stored_bytes'), aux=med('aux_mb'), total=med('total_mb'),
                         secs=med('wall'), ratio=float(np.median([x['wall'] / ft[x['seed']] for x in rs])),
                         gen=med('gen_seconds') if 'gen_seconds' in rs[0] else None))
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    ap.add_argument('--jobs', type=int, default=os.cpu_count() or 1)
    ap.add_argument('--methods', help='comma-separated (default: every built-in method)')
    ap.add_argument('--rerun', help="comma-separated methods to run again (e.g. after a change to them); every other row comes from the "
                                    "stream's bench/methods_runs*.json of an earlier full run, and the files are rewritten")
    ap.add_argument('--stream', help='a stream spec (default: the settings\' stream)')
    ap.add_argument('--set', action='append', default=[])
    a = ap.parse_args(argv)
    from dnn_lab.config import load_config, parse_sets
    from dnn_lab.metrics import max_drop
    cfg = load_config(**parse_sets(a.set))
    tag = '' if not a.stream else '_' + re.sub(r'[^A-Za-z0-9]+', '_', a.stream).strip('_')
    runs_file = ROOT / 'bench' / f'methods_runs{tag}.json'
    if a.rerun:
        if a.methods or a.set: raise SystemExit('--rerun replaces rows of a full run: give it without --methods and --set')
        if not runs_file.exists(): raise SystemExit(f'--rerun needs {runs_file.relative_to(ROOT)} from a full run; run without --rerun first')
        methods = a.rerun.split(',')
        kept = [e for e in json.loads(runs_file.read_text()) if e['method'] not in methods]
        if sorted({e['seed'] for e in kept}) != sorted(a.seeds): raise SystemExit(f'{runs_file.name} has other seeds than {a.seeds}')
    else:
        methods, kept = (a.methods.split(',') if a.methods else builtin_methods()), []
    threads = threads_for(a.jobs)
    ref = reference_seconds(threads)
    print(f"{len(methods)} methods x seeds {a.seeds} on {a.stream or cfg.stream}; {a.jobs} worker(s) x {threads} thread(s); "
          f"reference workload {ref:.2f} s", flush=True)
    todo = methods if a.rerun else ['finetune'] + [m for m in methods if m != 'finetune']
    res = sweep_runs([{'method': todo}], a.seeds, a.set, stream=a.stream, jobs=a.jobs, threads=threads, on_run=run_line)
    if res.failed: raise SystemExit(f"{len(res.failed)} run(s) failed: {res.failed[0]['error']}")
    entries = kept + [dict(method=p.method, seed=p.seed, wall=round(r['wall'], 2), uses_old_data=res.results[p.name].uses_old_data,
                           **res.results[p.name].metrics, max_drop=float(max_drop(res.results[p.name].acc_matrix)[0]),
                           acc_matrix=np.round(res.results[p.name].acc_matrix, 4).tolist())
                      for p, r in zip(res.points, res.rows)]
    class_inc = all(x.scenario == 'class-incremental' for x in res.results.values())
    rows = table_rows(entries)
    hdr = '| method | square | final acc | avg inc acc | BWT | max drop | old | new | params | MB | stored old data | aux MB | total MB | s | x finetune |'
    lines = [hdr, '|' + '---|' * 15] + [
        f"| {r['method']} | {r['square']:.1f} | {r['acc']:.1f} | {r['aia']:.1f} | {r['bwt']:+.1f} | {r['drop']:.1f} | {r['old']:.1f} | {r['new']:.1f} | {r['params']:,.0f} | "
        f"{r['mb']:.2f} | {r['stored'] / 2**20:.2f} MB | {r['aux']:.2f} | {r['total']:.2f} | {r['secs']:.0f} | {r['ratio']:.2f} |" for r in rows]
    print('\n' + '\n'.join(lines))
    default_stream = a.stream in (None, cfg.stream)                 # the issues' overhead targets are set on the default stream
    checks = [check(f"{r['name']} time <= {TARGETS[r['name']]}x finetune", r['ratio'] <= TARGETS[r['name']], f"{r['ratio']:.2f}x")
              for r in rows if r['name'] in TARGETS and default_stream]
    if class_inc:
        checks += [check(f"{r['name']} time <= {CI_TARGETS[r['name']]}x finetune (class-incremental, same epochs)", r['ratio'] <= CI_TARGETS[r['name']],
                         f"{r['ratio']:.2f}x") for r in rows if r['name'] in CI_TARGETS]
    notes = class_inc_notes(rows) if class_inc else []
    print('\n'.join(notes))
    if not a.set and not a.methods:
        path = ROOT / 'bench' / f'methods_results{tag}.md'
        if a.rerun:                                                  # the header of the full run, and a line that says what was run again
            prev = path.read_text().splitlines()
            head = [prev[0], ''] + [l for l in prev if l.startswith('Rows of ')] + [f"Rows of {', '.join(methods)} run again with `--rerun {a.rerun}` on {time.strftime('%Y-%m-%d')} "
                    f"({a.jobs} run(s) at a time x {threads} torch thread(s); reference workload {ref:.2f} s); the others, and finetune's times, are the full run's."]
        else:
            head = [f"`python bench/bench_methods.py{' --stream ' + a.stream if a.stream else ''}`: stream {a.stream or cfg.stream}, seeds {a.seeds}, medians; "
                    f"{a.jobs} run(s) at a time x {threads} torch thread(s) on {os.cpu_count()} cores (dnn_lab.sweep, {res.engine}); times relative to "
                    f"the finetune run of the same seed; reference workload {ref:.2f} s."]
        md = head + [''] + lines + [''] + [f"- {w}: {'PASS' if ok else 'FAIL'} ({v})" for w, ok, v in checks] + ([''] + notes if notes else [])
        fig = ROOT / 'docs' / 'img' / f'methods_pareto{tag}.png'
        pareto_figure(rows, fig, f"{a.stream or cfg.stream}, medians of seeds {a.seeds}")
        md += ['', f"![final accuracy against total MB and seconds, {a.stream or cfg.stream}]({fig.relative_to(ROOT)})"]
        path.write_text('\n'.join(md) + '\n')
        order = {m: i for i, m in enumerate(dict.fromkeys(e['method'] for e in entries))}
        runs_file.write_text(json.dumps(sorted(entries, key=lambda e: (order[e['method']], e['seed'])), indent=1) + '\n')
    return 0 if all(ok for _, ok, _ in checks) else 1


if __name__ == '__main__': sys.exit(main())
