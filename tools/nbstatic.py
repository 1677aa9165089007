"""Static notebook outputs: which cells run, the digest of a cell's source, and outputs that any viewer can show.

Shared by tools/run_nbs.py (`make nbs`: execute in place), tools/check_nbs.py (`make check-nbs`) and tools/build_docs.py.

- A code cell runs unless it is marked `#| slow` or `#| eval: false` (the test suite's rule: `make test` skips the same).
- After execution every cell that ran gets `metadata.dnn_lab = {"digest": ..., "figures": n}`: the first 16 hex digits
  of the SHA-256 of its source, and how many PNG figures it showed. `nbdev-clean` keeps that key (pyproject.toml:
  `allowed_cell_metadata_keys = ["dnn_lab"]`) and strips everything else it always strips.
- Outputs are made static: plotly figures become PNGs (kaleido, with the system Chromium) or, without kaleido, a line
  of text; plotly's JavaScript bundle, widget views and widget state are dropped (a widget leaves a line of text).
"""
from __future__ import annotations
import base64, hashlib, json, re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
META = 'dnn_lab'
MAX_BYTES = 1_000_000
WIDGET = 'application/vnd.jupyter.widget-view+json'
PLOTLY = 'application/vnd.plotly.v1+json'
WIDGET_NOTE = '(an interactive widget: run the notebook in Jupyter to use it)'
PLOTLY_NOTE = '(an interactive plotly figure: run the notebook to see it; install kaleido for a static copy)'


def source(cell) -> str:
    s = cell.get('source', '')
    return ''.join(s) if isinstance(s, list) else s


def digest(src: str) -> str:
    "The digest `make nbs` stores for a code cell's source."
    return hashlib.sha256(src.encode()).hexdigest()[:16]


def directives(src: str) -> dict:
    "The cell's nbdev directives (`#| name: value` lines at its top), lower-cased."
    out = {}
    for line in src.splitlines():
        if not line.startswith('#|'):
            if line.strip(): break
            continue
        m = re.match(r'\s*([\w-]+)\s*:?\s*(.*)', line[2:])
        if m: out[m.group(1).lower()] = m.group(2).strip().lower()
    return out


def runs(cell) -> bool:
    "Whether `make nbs` (and the test suite) executes this cell: code, not `slow`, not `eval: false`."
    if cell.get('cell_type') != 'code': return False
    d = directives(source(cell))
    return 'slow' not in d and d.get('eval', 'true') not in ('false', '0', 'no')


def n_figures(cell) -> int:
    return sum('image/png' in o.get('data', {}) for o in cell.get('outputs', []))


def _plotly_png(spec: dict) -> str | None:
    "A plotly figure spec as a base64 PNG, or None when kaleido cannot render it here."
    try:
        import plotly.io as pio
        fig = pio.from_json(json.dumps(spec))
        w, h = fig.layout.width or 700, fig.layout.height or 450
        return base64.b64encode(pio.to_image(fig, format='png', width=w, height=h, scale=1)).decode()
    except Exception as e:                       # kaleido missing, no Chromium, or a spec it cannot draw
        _plotly_png.error = f'{type(e).__name__}: {e}'
        return None


def _is_plotly_bundle(data: dict) -> bool:
    "The output plotly's notebook renderer adds once: its JavaScript library as HTML, megabytes of it."
    html = data.get('text/html', '')
    html = ''.join(html) if isinstance(html, list) else html
    return set(data) <= {'text/html', 'text/plain'} and '<script' in html and 'plotly' in html.lower() and PLOTLY not in data


def make_static(nb: dict) -> dict:
    "Outputs any viewer can show: plotly as PNG (or a note), no widget views, no JavaScript bundles, no widget state."
    nb.get('metadata', {}).pop('widgets', None)
    for cell in nb.get('cells', []):
        outs = []
        for o in cell.get('outputs', []):
            data = o.get('data')
            if data is None: outs.append(o); continue
            if not data: continue                                 # a result with no representation at all (nbconvert warns about it)
            if _is_plotly_bundle(data): continue
            if PLOTLY in data:
                png = _plotly_png(data[PLOTLY])
                o['data'] = {'image/png': png, 'text/plain': ['<plotly figure>']} if png else {'text/plain': [PLOTLY_NOTE]}
            elif WIDGET in data:
                o['data'] = {'text/plain': [WIDGET_NOTE]}
            else:
                html = data.get('text/html')
                if html is not None and '<script' in (''.join(html) if isinstance(html, list) else html) and len(data) > 1:
                    data.pop('text/html')                         # keep the other representation, drop the script
            outs.append(o)
        if cell.get('cell_type') == 'code': cell['outputs'] = outs
    return nb


def stamp(nb: dict) -> dict:
    "Record each executed cell's source digest and figure count in its metadata."
    for cell in nb.get('cells', []):
        if runs(cell): cell.setdefault('metadata', {})[META] = {'digest': digest(source(cell)), 'figures': n_figures(cell)}
        elif cell.get('cell_type') == 'code': cell.get('metadata', {}).pop(META, None)
    return nb


def problems(path: Path) -> list[str]:
    "What `make check-nbs` finds wrong with a committed notebook (empty: fine)."
    path = Path(path)
    out, size = [], path.stat().st_size
    if size > MAX_BYTES: out.append(f"{size / 1e6:.2f} MB, over the {MAX_BYTES / 1e6:.0f} MB limit: make its figures smaller (dpi, figsize) or fewer")
    nb = json.loads(path.read_text())
    if nb.get('metadata', {}).get('widgets'): out.append("holds widget state in its metadata: run `make nbs` (it drops it)")
    ran = [c for c in nb.get('cells', []) if runs(c)]
    if ran and not any(META in c.get('metadata', {}) for c in ran):
        return out + [f"not executed by `make nbs` (none of its {len(ran)} code cells has a digest): run `make nbs`"]
    for k, cell in enumerate(nb.get('cells', [])):
        if cell.get('cell_type') != 'code': continue
        where = f"cell {k} ({source(cell).strip().splitlines()[0][:60] if source(cell).strip() else 'empty'})"
        for o in cell.get('outputs', []):
            bad = {WIDGET, PLOTLY} & set(o.get('data', {}))
            if bad or _is_plotly_bundle(o.get('data', {})): out.append(f"{where}: a dynamic output ({', '.join(sorted(bad)) or 'plotly.js'}): run `make nbs`")
        if not runs(cell): continue
        meta = cell.get('metadata', {}).get(META)
        if meta is None: out.append(f"{where}: never executed by `make nbs` (no digest): run `make nbs`"); continue
        if meta.get('digest') != digest(source(cell)): out.append(f"{where}: its outputs are older than its source (digest differs): run `make nbs`")
        if meta.get('figures', 0) > n_figures(cell): out.append(f"{where}: showed {meta['figures']} figure(s) when executed, {n_figures(cell)} committed: run `make nbs`")
    return out


def notebooks(globs=None) -> list[Path]:
    "The notebooks `make nbs` executes: the tutorials and solutions, the component notebooks and index.ipynb."
    globs = globs or ['nbs/**/*.ipynb', 'index.ipynb']
    return sorted({p for g in globs for p in ROOT.glob(g) if '.ipynb_checkpoints' not in p.parts and not any(s.startswith('_') for s in p.relative_to(ROOT).parts)})
