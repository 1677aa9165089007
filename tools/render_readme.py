"""Render README.md from index.ipynb without quarto (which cannot be installed everywhere).

Cells marked `#| hide` are left out, nbdev directives are stripped, text outputs are kept as code blocks and
pictures are referenced from markdown (committed PNGs), so the result is deterministic."""
from pathlib import Path
import re
import nbformat

ROOT = Path(__file__).resolve().parents[1]

def _directives(src):
    return [l for l in src.splitlines() if l.startswith('#|')]

LINK = re.compile(r'\[([^\]]+)\]\(((?![a-z]+:)[^)#\s]+\.ipynb)\)')

def mark_coming(md: str, root: Path = ROOT) -> str:
    "Links to notebooks that do not exist (yet) become plain text marked *(coming)*: the course table names chapters before they land."
    return LINK.sub(lambda m: m.group(0) if (root / m.group(2)).exists() else f'{m.group(1)} *(coming)*', md)

INCLUDE = re.compile(r'^<!-- include: (\S+) -->$', re.M)

def includes(md: str, root: Path = ROOT) -> str:
    "A line `<!-- include: PATH -->` becomes the text of that file (a bench's printed table): numbers come from the run that measured them."
    def one(m):
        p = root / m.group(1)
        return p.read_text().strip() if p.exists() else f"*(`{m.group(1)}` is written by its bench script; not run yet)*"
    return INCLUDE.sub(one, md)

def render(nb_path=ROOT/'index.ipynb') -> str:
    nb = nbformat.read(nb_path, as_version=4)
    out = ['<!-- Generated from index.ipynb by tools/render_readme.py (`make readme`); edit index.ipynb, not this file. -->', '']
    for c in nb.cells:
        ds = _directives(c.source)
        if any(d.replace(' ', '') in ('#|hide', '#|exporti', '#|export') for d in ds): continue
        if c.cell_type == 'markdown':
            out += [includes(mark_coming(c.source.strip())), '']
        elif c.cell_type == 'code':
            src = '\n'.join(l for l in c.source.splitlines() if not l.startswith('#|')).strip()
            if src and not any(d.replace(' ', '') == '#|echo:false' for d in ds): out += ['```python', src, '```', '']
            for o in c.get('outputs', []):
                txt = o.get('text') or o.get('data', {}).get('text/plain')
                if txt and 'image/png' not in o.get('data', {}): out += ['```', ''.join(txt).rstrip(), '```', '']
    return '\n'.join(out).rstrip() + '\n'

if __name__ == '__main__':
    (ROOT/'README.md').write_text(render())
    print('README.md rendered from index.ipynb')
