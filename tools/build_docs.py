"""Build the static docs site (`make docs`) into _docs/ with nbconvert: no quarto needed.

- one HTML page per notebook (tutorials, solutions, component notebooks), with the outputs it was committed with
  (run `make nbs` first for figures), `#| hide` cells left out, nbdev directives stripped, links between notebooks
  pointing at their pages;
- index.html: the lab's summary and the course outline, both taken from index.ipynb (the one place the outline lives),
  then every page by kind; a notebook the outline names that does not exist yet is shown as *coming*;
- api/: one page per module of dnn_lab, listing its exported names with their signatures and docstrings.

Usage: python tools/build_docs.py [--out _docs] [NOTEBOOK ...]   (default: every notebook)
"""
from __future__ import annotations
import argparse, html, importlib, inspect, json, re, shutil, sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nbstatic import ROOT, directives, notebooks, source   # noqa: E402
from render_readme import mark_coming                       # noqa: E402

STYLE = """body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:1100px;margin:0 auto;padding:1rem 2rem;color:#222;line-height:1.5}
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f3f3}code{background:#f5f5f5;padding:0 3px;border-radius:3px}pre{background:#f5f5f5;padding:8px;overflow-x:auto}
a{color:#1f5fbf}.sig{font-family:monospace;background:#f5f5f5;padding:4px 8px;display:block;white-space:pre-wrap}
nav.dnn-lab-nav{font-size:.9em;padding:.4em 0;border-bottom:1px solid #ddd;margin-bottom:1em}"""


def page(title: str, body: str, depth: int) -> str:
    "A plain HTML page of the site; `depth` is how many folders below the site's root it lives."
    up = '../' * depth
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f'<style>{STYLE}</style></head><body><nav class="dnn-lab-nav"><a href="{up}index.html">dnn_lab: course and docs</a> · '
            f'<a href="{up}api/index.html">API</a></nav>{body}</body></html>')


def md2html(md: str) -> str:
    from nbconvert.filters.markdown_mistune import markdown2html_mistune
    return re.sub(r'<a class="anchor-link"[^>]*>.*?</a>', '', markdown2html_mistune(md))


def relink(text: str, here: Path, site_nbs: set) -> str:
    "href='x.ipynb' (relative to the page at `here`, a repo path) -> 'x.html' when that notebook has a page."
    def sub(m):
        target = (ROOT / here.parent / m.group(2)).resolve()
        try: rel = target.relative_to(ROOT)
        except ValueError: return m.group(0)
        return f'{m.group(1)}{m.group(2)[:-6]}.html' if rel in site_nbs else m.group(0)
    return re.sub(r'(href=")((?![a-z]+:)[^"#]+\.ipynb)', sub, text)


def notebook_page(nb_path: Path, rel: Path, site_nbs: set) -> str:
    "The HTML of one notebook: nbconvert's lab template, hidden cells dropped, directives stripped, links fixed."
    import nbformat
    from nbconvert import HTMLExporter
    nb = nbformat.read(nb_path, as_version=4)
    cells = []
    for c in nb.cells:
        if c.cell_type == 'code':
            d = directives(c.source)
            if 'hide' in d or 'exporti' in d or d.get('echo') == 'false' and not c.get('outputs'): continue
            c.source = '\n'.join(l for l in c.source.splitlines() if not l.startswith('#|')).strip('\n')
            if not c.source and not c.get('outputs'): continue
        cells.append(c)
    nb.cells = cells
    body, _ = HTMLExporter(template_name='lab', exclude_input_prompt=True, exclude_output_prompt=True).from_notebook_node(nb)
    depth = len(rel.parts) - 1
    nav = (f'<nav class="dnn-lab-nav" style="font-family:system-ui,sans-serif;font-size:.9em;padding:.5em 1em;border-bottom:1px solid #ddd">'
           f'<a href="{"../" * depth}index.html">dnn_lab: course and docs</a> · <a href="{"../" * depth}api/index.html">API</a> · '
           f'source: <code>{html.escape(str(rel))}</code></nav>')
    body = re.sub(r'(<body[^>]*>)', lambda m: m.group(1) + nav, body, count=1)
    return relink(body, rel, site_nbs)


def course_markdown(index_nb: Path = ROOT / 'index.ipynb') -> tuple[str, str]:
    "The title/summary cell and the course-outline section (`## The course...` up to the next `## `) of index.ipynb."
    cells = [''.join(c['source']) for c in json.loads(index_nb.read_text())['cells'] if c['cell_type'] == 'markdown']
    text = '\n\n'.join(cells)
    m = re.search(r'^## The course.*?(?=^## |\Z)', text, flags=re.S | re.M)
    return cells[0], m.group(0) if m else ''


def nb_title(path: Path) -> str:
    "A notebook's first `# ` heading, or its file name."
    for c in json.loads(Path(path).read_text())['cells']:
        if c['cell_type'] == 'markdown':
            m = re.search(r'^# (.+)$', ''.join(c['source']), flags=re.M)
            if m: return m.group(1).strip()
    return Path(path).stem


def api_pages() -> dict[str, str]:
    "{module name: HTML body} for every module of dnn_lab: exported names, signatures, docstrings."
    pkg = ROOT / 'dnn_lab'
    out = {}
    for f in sorted(pkg.rglob('*.py')):
        if f.name.startswith('_'): continue
        name = '.'.join(f.relative_to(ROOT).with_suffix('').parts)
        try: mod = importlib.import_module(name)
        except Exception as e: out[name] = f'<h1>{name}</h1><p>could not import: {html.escape(repr(e))}</p>'; continue
        m = re.search(r'File to edit: \.\./(\S+\.ipynb)', f.read_text()[:400]) or re.search(r'File to edit: (\S+\.ipynb)', f.read_text()[:400])
        src_nb = (f.parent / m.group(1)).resolve().relative_to(ROOT) if m else None
        parts = [f'<h1><code>{name}</code></h1>', f'<p>{html.escape((mod.__doc__ or "").strip().splitlines()[0] if mod.__doc__ else "")}</p>']
        if src_nb: parts.append(f'<p>Source notebook: <a href="../{src_nb.with_suffix(".html")}">{src_nb}</a></p>')
        for n in getattr(mod, '__all__', []):
            obj = getattr(mod, n, None)
            parts.append(f'<h2 id="{n}"><code>{n}</code></h2>{describe(n, obj)}')
            if inspect.isclass(obj):
                for mn, mobj in vars(obj).items():
                    if mn.startswith('_') and mn != '__init__': continue
                    if callable(mobj) or isinstance(mobj, (property, staticmethod, classmethod)):
                        parts.append(f'<h3><code>{n}.{mn}</code></h3>{describe(mn, mobj)}')
        out[name] = '\n'.join(parts)
    return out


def describe(name: str, obj) -> str:
    "Signature and docstring of one exported object, as HTML."
    if isinstance(obj, property): return f'<p>property: {html.escape(inspect.getdoc(obj) or "")}</p>'
    if isinstance(obj, (staticmethod, classmethod)): obj = obj.__func__
    if callable(obj):
        try: sig = f'{name}{inspect.signature(obj)}'
        except (TypeError, ValueError): sig = name
        kind = 'class ' if inspect.isclass(obj) else ''
        return f'<span class="sig">{kind}{html.escape(sig)}</span><p>{html.escape(inspect.getdoc(obj) or "")}</p>'
    r = repr(obj)
    return f'<span class="sig">{html.escape(name)} = {html.escape(r[:300] + (" …" if len(r) > 300 else ""))}</span>'


def build(out: Path = ROOT / '_docs', nbs: list[Path] | None = None, override: dict | None = None) -> Path:
    "Write the site into `out`; `override` maps a notebook's repo path to another file to render in its place."
    out = Path(out)
    if out.exists(): shutil.rmtree(out)
    out.mkdir(parents=True)
    all_nbs = [p for p in notebooks() if p.name != 'index.ipynb']
    nbs = [Path(p).resolve() for p in nbs] if nbs else all_nbs
    site_nbs = {p.relative_to(ROOT) for p in nbs}
    override = {Path(k): Path(v) for k, v in (override or {}).items()}
    for p in nbs:
        rel = p.relative_to(ROOT)
        dest = out / rel.with_suffix('.html'); dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(notebook_page(override.get(rel, p), rel, site_nbs))
    head, course = course_markdown()
    course = mark_coming(course)
    course_html = relink(md2html(course), Path('index.ipynb'), site_nbs)
    groups = [('Tutorials', lambda r: r.parts[1:2] == ('tutorials',) and len(r.parts) == 3),
              ('Solutions (for instructors)', lambda r: r.parts[1:3] == ('tutorials', 'solutions')),
              ('Component notebooks', lambda r: len(r.parts) == 2)]
    lists = ''.join(f'<h2>{t}</h2><ul>' + ''.join(f'<li><a href="{r.with_suffix(".html")}">{html.escape(nb_title(ROOT / r))}</a> <small>({r.name})</small></li>' for r in sorted(site_nbs) if f(r)) + '</ul>'
                    for t, f in groups)
    api = api_pages()
    (out / 'api').mkdir()
    for name, body in api.items(): (out / 'api' / f'{name}.html').write_text(page(name, body, 1))
    (out / 'api' / 'index.html').write_text(page('dnn_lab API', '<h1>API</h1><ul>' + ''.join(f'<li><a href="{n}.html"><code>{n}</code></a></li>' for n in api) + '</ul>', 1))
    body = md2html(head) + course_html + lists + '<h2>API</h2><ul>' + ''.join(f'<li><a href="api/{n}.html"><code>{n}</code></a></li>' for n in api) + '</ul>'
    (out / 'index.html').write_text(page('dnn_lab', body, 0))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('notebooks', nargs='*', type=Path)
    ap.add_argument('--out', type=Path, default=ROOT / '_docs')
    a = ap.parse_args(argv)
    out = build(a.out, a.notebooks or None)
    pages = list(out.rglob('*.html'))
    print(f"docs: {len(pages)} pages in {out} ({sum(p.stat().st_size for p in pages) / 1e6:.1f} MB); open {out / 'index.html'}")
    return 0


if __name__ == '__main__':
    sys.exit(main())
