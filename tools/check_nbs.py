"""Check committed notebooks for static, current outputs (`make check-nbs`); run `make nbs` first.

Fails when a cell that `make nbs` executes has no stored digest (never executed) or a digest that differs from its
current source (edited after execution), when a cell that showed figures has lost them, when an output is dynamic
(widget view, plotly JSON or its JavaScript bundle) or widget state is stored, or when a notebook exceeds 1 MB.

Usage: python tools/check_nbs.py [NOTEBOOK or GLOB ...]   (default: nbs/**/*.ipynb and index.ipynb)
"""
from __future__ import annotations
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nbstatic import ROOT, notebooks, problems   # noqa: E402


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    paths = notebooks([str(Path(g).resolve().relative_to(ROOT)) if Path(g).exists() else g for g in args] or None)
    if not paths: print('no notebook matches', args); return 1
    bad = 0
    for p in paths:
        found = problems(p)
        if found:
            bad += 1
            print(f"{p.relative_to(ROOT)}:\n  " + '\n  '.join(found[:10]) + (f"\n  ... and {len(found) - 10} more" if len(found) > 10 else ''))
    print(f"check-nbs: {len(paths) - bad} of {len(paths)} notebooks have static, current outputs" + ('' if not bad else '; run `make nbs` and commit the result'))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
