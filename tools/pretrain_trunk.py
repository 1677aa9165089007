"""Rebuild the shipped synthetic-pretrained weights of the quick preset (`pretrained = synthetic`).

Trains dnn_lab's small CNN (width 32, GroupNorm) to classify procedurally generated fractals, blob compositions and
textures (`dnn_lab.pretrain.SyntheticImages`: no image files, nothing from any stream of the lab), then writes
dnn_lab/weights/small_synthetic.pt (the state dict without the classifier, read with weights_only=True) and
small_synthetic.json (its card: how it was made, how long it took, its final training accuracy).

Usage: python tools/pretrain_trunk.py [--steps 3000] [--batch 128] [--seed 0] [--threads N] [--out dnn_lab/weights]
"""
import argparse, datetime, json, os, platform, subprocess, sys, time
from pathlib import Path
import torch

ROOT = Path(__file__).resolve().parents[1]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--steps', type=int, default=3000)
    ap.add_argument('--batch', type=int, default=128)
    ap.add_argument('--lr', type=float, default=3e-3)
    ap.add_argument('--classes', type=int, nargs=4, default=[64, 32, 32, 128], metavar=('FRACTALS', 'COMPOSITIONS', 'TEXTURES', 'OBJECTS'))
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--threads', type=int, default=os.cpu_count())
    ap.add_argument('--out', type=Path, default=ROOT / 'dnn_lab' / 'weights')
    ap.add_argument('--name', default='small_synthetic')
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    from dnn_lab.pretrain import SyntheticImages, pretrain
    t0 = time.perf_counter()
    syn = SyntheticImages(*a.classes, size=32, seed=a.seed)
    print(f"{syn}: classes drawn in {time.perf_counter() - t0:.1f} s; training {a.steps} steps of {a.batch} on {a.threads} thread(s)", flush=True)
    def progress(step, steps, loss):
        if step % max(1, steps // 20) == 0 or step == steps:
            print(f"  step {step:5d}/{steps}  loss {loss:.3f}  {time.perf_counter() - t0:6.0f} s", flush=True)
    sd, rep = pretrain(syn, steps=a.steps, batch_size=a.batch, lr=a.lr, seed=a.seed, on_step=progress)
    total = time.perf_counter() - t0
    a.out.mkdir(parents=True, exist_ok=True)
    pt, card = a.out / f'{a.name}.pt', a.out / f'{a.name}.json'
    torch.save(sd, pt)
    try: commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    except OSError: commit = ''
    info = dict(what='dnn_lab small CNN (width 32, GroupNorm) pretrained on synthetic images; classifier removed',
                data=dict(fractals=a.classes[0], compositions=a.classes[1], textures=a.classes[2], objects=a.classes[3], image_size=32, seed=a.seed,
                          source='dnn_lab.pretrain.SyntheticImages (procedural; no image files, disjoint from every stream of the lab)'),
                training=rep, total_seconds=round(total, 1), threads=a.threads, cpu=platform.processor() or platform.machine(),
                torch=torch.__version__, commit=commit, date=datetime.date.today().isoformat(),
                command='python tools/pretrain_trunk.py ' + ' '.join(argv if argv is not None else sys.argv[1:]),
                bytes=pt.stat().st_size)
    card.write_text(json.dumps(info, indent=1) + '\n')
    print(f"wrote {pt} ({pt.stat().st_size / 1024:.0f} KB) and {card}; {total:.0f} s in all; "
          f"training accuracy over the last 10% of steps {rep['train_acc_last10pct']:.3f}")


if __name__ == '__main__': main()
