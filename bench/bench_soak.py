"""Soak: many consecutive threshold-explorer runs in one process, as in a long classroom session; memory must stay bounded.

Builds one `ThresholdExplorer` on a small stream and presses Run `--runs` times (default 50), moving the expansion
threshold before each run to a new value (seeded, uniform over [0.05, 0.95], so runs reuse some tasks from the
explorer's RunCache and retrain others, as a user's session does). After each run it prints the resident memory of the
process (after a garbage collection and glibc's malloc_trim), the bytes in the FeatureMemo, the RunCache's snapshots and the live widgets.

Checks at the end, printed as PASS or FAIL (exit status 1 on FAIL):
- over the last half of the runs the resident memory grows by less than --max-growth-mb (default 30 MB);
- the FeatureMemo holds at most its bound (--memo-mb, default 16 MB, small so that a long soak reaches it) and the
  RunCache at most its number of snapshots (--cache-size, default 16) and of untrained rows;
- the explorer's widgets do not pile up (at most --max-widgets live ipywidgets, default 400).

Usage: python bench/bench_soak.py [--runs 50] [--max-growth-mb 30] [--memo-mb 16] [--cache-size 16] [--set key=value ...]
The default settings (a 9-task stream of 6 objects, 20 training images per object and task, 8 base and 3 incremental
epochs) make the 50 runs take a few minutes on 2 cores.
"""
import argparse, gc, random, sys, time
from pathlib import Path

SMALL = dict(n_classes=6, n_train=20, n_test=10, width=16, batch_size=32, base_epochs=8, base_milestones='6', inc_epochs=3,
             inc_milestones='', base_augment='light', base_min_steps=0, inc_min_steps=0)


def trim():
    "Collect garbage and hand freed heap pages back to the system (glibc), so that RSS measures what is still held."
    gc.collect()
    try:
        import ctypes
        ctypes.CDLL('libc.so.6').malloc_trim(0)
    except (OSError, AttributeError): pass


def rss_mb() -> float:
    "Resident memory of this process in MB (Linux /proc; elsewhere the peak from getrusage)."
    try:
        for line in Path('/proc/self/status').read_text().splitlines():
            if line.startswith('VmRSS:'): return int(line.split()[1]) / 1024
    except OSError: pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def live_widgets() -> int:
    "ipywidgets that are not closed (each is kept in a registry until it is)."
    from ipywidgets.widgets import widget
    return len(widget._instances)


def save_figure(rss, last, path, title):
    "Resident memory after each run, the last half shaded: the soak figure."
    import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 3))
    runs = range(1, len(rss) + 1)
    ax.plot(runs, rss, marker='.', color='#1f77b4')
    ax.axvspan(len(rss) - last, len(rss), color='#dddddd', zorder=0, label=f'last {last} runs (checked)')
    ax.set(xlabel='explorer run', ylabel='resident memory (MB)', title=title); ax.title.set_fontsize(9); ax.legend(fontsize=8)
    Path(path).parent.mkdir(parents=True, exist_ok=True); fig.savefig(path, dpi=80, bbox_inches='tight'); plt.close(fig)
    print(f"figure: {path}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--runs', type=int, default=50)
    ap.add_argument('--max-growth-mb', type=float, default=30.0)
    ap.add_argument('--memo-mb', type=float, default=16.0)
    ap.add_argument('--cache-size', type=int, default=16)
    ap.add_argument('--max-widgets', type=int, default=400)
    ap.add_argument('--seed', type=int, default=0, help='seed of the thresholds drawn')
    ap.add_argument('--set', action='append', default=[], help='settings for the stream and the runs (key=value)')
    ap.add_argument('--figure', default=str(Path(__file__).resolve().parents[1] / 'docs' / 'img' / 'soak.png'),
                    help="where the figure of resident memory per run goes ('' for none)")
    a = ap.parse_args(argv)
    if a.runs < 2: ap.error('--runs must be at least 2')
    from dnn_lab.config import load_config, parse_sets
    from dnn_lab.run import RunCache
    from dnn_lab.widgets import ThresholdExplorer
    cfg = load_config(**{**SMALL, **parse_sets(a.set)})
    ex = ThresholdExplorer(cfg=cfg, cache_size=a.cache_size)
    ex.cache = RunCache(a.cache_size, memo_mb=a.memo_mb)             # a small memo, so that the soak reaches its bound
    draw = random.Random(a.seed)
    print(f"soak: {a.runs} explorer runs; stream {cfg.stream} ({cfg.n_classes} objects, {cfg.n_train} train images each per task), "
          f"epochs {cfg.base_epochs}/{cfg.inc_epochs}; memo bound {a.memo_mb:g} MB, cache {a.cache_size} snapshots")
    print(f"{'run':>4} {'threshold':>9} {'decisions':>10} {'reused':>6} {'wall s':>7} {'RSS MB':>8} {'memo MB':>8} {'snapshots':>9} {'widgets':>8}")
    rss, t_start = [], time.perf_counter()
    for i in range(1, a.runs + 1):
        ex.set(expand_threshold=round(draw.uniform(0.05, 0.95), 2))
        t0 = time.perf_counter()
        ex.run()
        wall = time.perf_counter() - t0
        trim()
        rss.append(rss_mb())
        h = ex.history[-1]
        print(f"{i:>4} {h['threshold']:>9.2f} {h['decisions']:>10} {h['reused']:>6} {wall:>7.1f} {rss[-1]:>8.1f} "
              f"{ex.cache.memo.nbytes / 2**20:>8.1f} {len(ex.cache):>9} {live_widgets():>8}", flush=True)
    half = rss[len(rss) // 2 - 1:]                                   # from the run before the last half
    growth = half[-1] - half[0]
    checks = [(f"RSS over the last {len(half) - 1} runs grows by {growth:+.1f} MB (peak {max(half) - half[0]:+.1f} MB), under {a.max_growth_mb:g} MB",
               max(half) - half[0] < a.max_growth_mb),
              (f"FeatureMemo {ex.cache.memo.nbytes / 2**20:.1f} MB within its bound {a.memo_mb:g} MB", ex.cache.memo.nbytes <= ex.cache.memo.max_bytes),
              (f"RunCache {len(ex.cache)} snapshots and {len(ex.cache.init_rows)} untrained rows within {a.cache_size}",
               len(ex.cache) <= a.cache_size and len(ex.cache.init_rows) <= a.cache_size),
              (f"{live_widgets()} live widgets, at most {a.max_widgets}", live_widgets() <= a.max_widgets)]
    print(f"\n{a.runs} runs in {time.perf_counter() - t_start:.0f} s; RSS {rss[0]:.1f} MB after run 1, {rss[-1]:.1f} MB after run {a.runs}")
    for text, ok in checks: print(f"{'PASS' if ok else 'FAIL'}: {text}")
    ok = all(ok for _, ok in checks)
    if a.figure: save_figure(rss, len(half) - 1, a.figure, f"{a.runs} explorer runs, stream {cfg.stream}, memo bound {a.memo_mb:g} MB")
    print('PASS' if ok else 'FAIL')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
