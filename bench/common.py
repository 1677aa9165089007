"""Pieces the benches share: a fixed reference workload, runs in worker processes, check lines.

The reference workload is a plain PyTorch training loop of a fixed small CNN (defined here, not by dnn_lab) over a
fixed number of image-steps. Each bench measures it in the same run, so its times can also be given as ratios to the
reference, which compare across machines.
"""
from __future__ import annotations
import multiprocessing, os, resource, time
from concurrent.futures import ProcessPoolExecutor
import torch
from torch import nn
import torch.nn.functional as F

REF_STEPS, REF_BATCH = 100, 64


def reference_seconds(threads: int | None = None, repeats: int = 3) -> float:
    "Median seconds of the reference workload: 100 Adam steps of 64 random 32x32 RGB images through a fixed 3-block CNN."
    n = torch.get_num_threads()
    if threads: torch.set_num_threads(threads)
    try:
        g = torch.Generator().manual_seed(0)
        net = nn.Sequential(*[nn.Sequential(nn.Conv2d(c, o, 3, padding=1, bias=False), nn.GroupNorm(8, o), nn.MaxPool2d(2), nn.ReLU())
                              for c, o in ((3, 32), (32, 64), (64, 128))], nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, 20))
        x, y = torch.rand(REF_BATCH, 3, 32, 32, generator=g), torch.randint(0, 20, (REF_BATCH,), generator=g)
        opt = torch.optim.Adam(net.parameters(), 1e-3)
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            for _ in range(REF_STEPS):
                loss = F.cross_entropy(net(x), y); opt.zero_grad(); loss.backward(); opt.step()
            times.append(time.perf_counter() - t0)
        return sorted(times)[len(times) // 2]
    finally: torch.set_num_threads(n)


def peak_rss_mb() -> float:
    "Peak resident memory of this process so far, in MB."
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def check(what: str, ok: bool, value: str) -> tuple:
    print(f"check: {what}: {'PASS' if ok else 'FAIL'} ({value})", flush=True)
    return what, ok, value


def pool(jobs: int) -> ProcessPoolExecutor:
    """Worker processes; each sets its torch threads to cores // jobs in the call it runs. Spawned, not forked: a child forked
    from a process whose OpenMP pool already ran with several threads can hang in it (GNU libgomp)."""
    return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context('spawn'))


def threads_for(jobs: int) -> int: return max(1, (os.cpu_count() or 1) // jobs)



_RAY = []          # the bench's one local Ray, started by its first sweep and stopped when the bench ends


def sweep_runs(grid, seeds, sets, stream=None, jobs: int = 1, threads: int = 1, on_run=None):
    """The benches' grids through dnn_lab.sweep (the same code path as `dnn-lab sweep`): on a local Ray of `jobs` x `threads`
    CPUs, `threads` a run, when Ray is installed, else one after another in this process with `threads` torch threads.
    Nothing is written (the runs come back in memory); `on_run(row)` is called as each run finishes."""
    from dnn_lab.config import parse_sets
    from dnn_lab.sweep import sweep, ray_available, LocalRay
    engine = os.environ.get('BENCH_ENGINE', 'auto')                 # BENCH_ENGINE=local: no Ray, runs one after another here
    if engine != 'local' and ray_available() and not _RAY:
        try: _RAY.append(LocalRay(num_cpus=jobs * threads).start())
        except Exception as e:                                       # a machine too busy for Ray's agents: the same runs, here
            print(f"bench: a local Ray did not start ({type(e).__name__}: {e}); running the grid in this process instead", flush=True)
            engine = os.environ['BENCH_ENGINE'] = 'local'
    if (engine == 'local' or not ray_available()) and jobs > 1 and isinstance(grid, list):
        return _split_local(grid, seeds, sets, stream, jobs, threads, on_run)
    if engine == 'local' or not ray_available(): torch.set_num_threads(threads)
    return sweep(grid, seeds=seeds, stream=stream, cpus_per_run=threads, progress=False, engine='local' if engine == 'local' else 'auto',
                 on_result=(lambda row, done, total: on_run(row)) if on_run else None, **parse_sets(sets))


def _local_part(args):
    "One worker process's share of a grid without Ray: its methods, one after another, `threads` torch threads."
    gs, seeds, sets, stream, threads, echo = args
    from dnn_lab.config import parse_sets
    from dnn_lab.sweep import sweep
    torch.set_num_threads(threads)
    return sweep(gs, seeds=seeds, stream=stream, cpus_per_run=threads, progress=False, engine='local', keep_model=False,
                 on_result=(lambda row, done, total: echo(row)) if echo else None, **parse_sets(sets))


def run_line(r):
    "A finished run's line, printed by the worker process that made it."
    if r['status'] != 'complete': print(f"  seed {r['seed']} {r['method']:<20} FAILED {r['error']}", flush=True)
    else: print(f"  seed {r['seed']} {r['method']:<20} square {100 * r['square']:5.1f}  bwt {100 * r['bwt']:+5.1f}  {r['wall']:6.1f} s", flush=True)


def _split_local(grid, seeds, sets, stream, jobs, threads, on_run):
    "A list of grids spread over `jobs` worker processes (no Ray; a single grid's methods dealt out): the same sweeps, one result with every row."
    if len(grid) == 1 and len(grid[0].get('method', [])) > 1:
        ms = grid[0]['method']; grid = [dict(grid[0], method=[m]) for m in ms]
    parts = [grid[i::jobs] for i in range(jobs) if grid[i::jobs]]
    with pool(len(parts)) as ex:
        res = list(ex.map(_local_part, [(p, seeds, sets, stream, threads, run_line if on_run else None) for p in parts]))
    out = res[0]
    for r in res[1:]:
        out.rows += r.rows; out.points += r.points; out.results.update(r.results); out.wall = max(out.wall, r.wall)
    return out


def variant_grid(variants):
    """[(name, method, {setting: value}), ...] as a sweep grid (a list of one-point grids), and `name_of(row)`, the name of
    a run from its results-table row."""
    from dnn_lab.sweep import grid_points
    grid = [{'method': [m], **{k: [v] for k, v in ov.items()}} for _, m, ov in variants]
    keys = {k for _, _, ov in variants for k in ov}
    names = {}
    for (n, _, _), g in zip(variants, grid):
        p = grid_points(g)[0]
        names[(p.method, frozenset(p.settings))] = n
    def name_of(row): return names[(row['method'], frozenset((k, row[k]) for k in keys if row.get(k) is not None))]
    return grid, name_of
