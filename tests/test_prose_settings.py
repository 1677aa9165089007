"""Prose that quotes a setting's default must agree with the setting, and phrases known to be wrong must not come back.

The convention (also in DESIGN.md): prose that quotes a default writes it right after the key, as
    `expand_threshold` (default 0.5)
and nothing else. The test finds every such quote in the markdown of the notebooks, DESIGN.md and docs/, and checks the
value against the declared default (dnn_lab.config, built-in methods included). It also checks the looser forms
`key = value` / `key=value` written next to the word "default", so that those cannot go stale either. Better still:
let a code cell print the value (`cfg.expand_threshold`), which can never go stale; the quick preset's defaults move.

STALE lists phrases that were wrong once (issue 12); a match names the file and the phrase.
"""
from __future__ import annotations
import json, re
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]

QUOTED = re.compile(r"`(\w+)`\s*[,(]\s*default\s+([-+\w.'\"]+(?:,\s*\d+)*)")
NEAR_DEFAULT = [re.compile(r"(?:default|as shipped)\W{0,3}\s*(?:is\s+|of\s+)?\(?`(\w+)\s*=\s*([^`]+)`", re.I),
                re.compile(r"`(\w+)\s*=\s*([^`]+)`\s*[,(]?\s*(?:the|is the|by)?\s*(?:lab's\s+)?default", re.I)]

PLACEHOLDERS = {"value", "v", "...", "…", "x"}

STALE = ["12 base epochs", "base_milestones = 6, 9, 11", "cannot forget", "can't forget", "forgets nothing", "forget nothing",
         "nothing old can be forgotten", "breaks the challenge's rule", "breaks the no-old-data rule",
         "breaks the rule", "which the challenge forbids", "the rules forbid", "challenge baseline was", "below chance never expands",
         "130 base / 100 incremental", "an imagenet-pretrained resnet", "the authors' setting, an imagenet-pretrained resnet-18",
         "diagonal not quoted", "only these numbers are quoted", "finetune_like", "makes expansion forget-free",
         "square performance = mean", "the authors' headline", "mean of the whole matrix, the authors'"]


def markdown_sources():
    "(file, text) for every markdown cell of the notebooks and every Markdown file of the docs."
    nbs = sorted(p for p in (ROOT / 'nbs').rglob('*.ipynb') if '.ipynb_checkpoints' not in p.parts) + [ROOT / 'index.ipynb']
    for p in nbs:
        if not p.exists(): continue
        for k, c in enumerate(json.loads(p.read_text())['cells']):
            if c['cell_type'] == 'markdown': yield f"{p.relative_to(ROOT)} (cell {k})", ''.join(c['source'])
    for p in [ROOT / 'DESIGN.md', *sorted((ROOT / 'docs').rglob('*.md'))]:
        if p.exists(): yield str(p.relative_to(ROOT)), p.read_text()


def all_text_sources():
    "(file, text) of markdown and code cells (code comments and strings can hold claims too) and the docs."
    nbs = sorted(p for p in (ROOT / 'nbs').rglob('*.ipynb') if '.ipynb_checkpoints' not in p.parts) + [ROOT / 'index.ipynb']
    for p in nbs:
        if p.exists(): yield str(p.relative_to(ROOT)), '\n'.join(''.join(c['source']) for c in json.loads(p.read_text())['cells'])
    for p in [ROOT / 'DESIGN.md', ROOT / 'README.md', *sorted((ROOT / 'docs').rglob('*.md'))]:
        if p.exists(): yield str(p.relative_to(ROOT)), p.read_text()


def _norm(v: str) -> str:
    return v.strip().strip('`"\'').strip().rstrip('.,;').lower()


def same_value(quoted: str, default) -> bool:
    "Whether the quoted text states `default` (numbers compared as numbers, tuples element by element)."
    q = _norm(quoted)
    if isinstance(default, bool): return q in (str(default).lower(), 'on' if default else 'off')
    if isinstance(default, tuple):
        parts = [p for p in re.split(r'[,\s]+', q.strip('()')) if p]
        return len(parts) == len(default) and all(same_value(p, d) for p, d in zip(parts, default))
    if isinstance(default, (int, float)):
        try: return abs(float(q) - float(default)) <= 1e-12 * max(1.0, abs(float(default)))
        except ValueError: return False
    return q == str(default).lower()


@pytest.fixture(scope='module')
def defaults():
    from dnn_lab.config import SETTINGS, keys
    from dnn_lab.learner import load_builtin_methods
    load_builtin_methods(); keys()
    return {k: s.default for k, s in SETTINGS.items()}


def quotes(text: str):
    "(key, quoted value, form) for every quoted default in `text`."
    for m in QUOTED.finditer(text): yield m.group(1), m.group(2), 'convention'
    for rx in NEAR_DEFAULT:
        for m in rx.finditer(text): yield m.group(1), m.group(2), 'next to "default"'


def test_same_value():
    assert same_value('0.5', 0.5) and same_value('5e-1', 0.5) and not same_value('0.6', 0.5)
    assert same_value('20, 26', (20, 26)) and not same_value('6, 9, 11', (20, 26))
    assert same_value("'best'", 'best') and same_value('true', True) and not same_value('false', True)


def test_quote_forms_found():
    found = list(quotes("set `expand_threshold` (default 0.5) or the default `kd_weight = 1.0`; `head_blocks = 0` is small"))
    assert [(k, _norm(v)) for k, v, _ in found] == [('expand_threshold', '0.5'), ('kd_weight', '1.0')], found


def test_quoted_defaults_match_the_settings(defaults):
    wrong, unknown = [], []
    for where, text in markdown_sources():
        for key, value, form in quotes(text):
            if _norm(value) in PLACEHOLDERS: continue                 # prose that explains the convention itself
            if key not in defaults:
                if form == 'convention': unknown.append(f"{where}: `{key}` is not a setting")
                continue
            if not same_value(value, defaults[key]):
                wrong.append(f"{where}: `{key}` quoted as {value.strip()!r} ({form}), but its default is {defaults[key]!r}")
    assert not unknown, 'quoted defaults of unknown settings:\n' + '\n'.join(unknown)
    assert not wrong, ("prose quotes defaults that are not the settings' (fix the prose, or print the value from "
                       "a code cell so it cannot go stale):\n" + '\n'.join(wrong))


def test_no_stale_phrases():
    hits = [f"{where}: {phrase!r}" for where, text in all_text_sources() for phrase in STALE if phrase in text.lower()]
    assert not hits, 'phrases corrected in issue 12 are back:\n' + '\n'.join(hits)
