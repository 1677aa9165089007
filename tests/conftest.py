"""Shared pytest fixtures: tiny dataset trees of real image files on disk, one per layout `dnn_lab.datasets` reads.

The builders are plain functions (`from conftest import make_core50`) and each has a fixture that builds it in `tmp_path`.
Every image is a flat colour per class (`COLOURS[label]`) with a darker top-left corner, so a loaded pixel can be checked.
"""
from __future__ import annotations
import os
os.environ.setdefault("MPLBACKEND", "Agg")
if os.environ.get("PYTEST_XDIST_WORKER"):           # one torch thread per test worker: the workers share the cores
    os.environ.setdefault("OMP_NUM_THREADS", "1")
import csv
from pathlib import Path
import numpy as np
import pytest
from PIL import Image

COLOURS = [(220, 30, 30), (30, 200, 30), (30, 30, 220), (200, 200, 40)]
SIZE = 24


def write_image(path, label: int, size: int = SIZE) -> Path:
    "A PNG or JPEG (by extension) of class `label`'s colour, `size` x `size`, with a darker top-left corner."
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    a = np.zeros((size, size, 3), np.uint8) + np.array(COLOURS[label], np.uint8)
    a[: size // 4, : size // 4] //= 2
    Image.fromarray(a).save(path)
    return path


def make_openloris_csv(root, n_batches=2, n_classes=3, n=None, labels=None) -> Path:
    """First-round OpenLORIS: root/{train,validation,test}/batchN/label.csv + images next to it.
    `n`: images per class per split; `labels`: optional text label per class (default: the class number)."""
    root, n = Path(root), n or dict(train=2, validation=1, test=1)
    for split, k in n.items():
        for b in range(1, n_batches + 1):
            d = root / split / f'batch{b}'
            rows = []
            for c in range(n_classes):
                for i in range(k):
                    write_image(d / f'b{b}_{c}_{i}.png', c)
                    rows.append((f'b{b}_{c}_{i}.png', labels[c] if labels else c))
            with open(d / 'label.csv', 'w', newline='') as fh:
                csv.writer(fh).writerows([('file name', 'label'), *rows])
    return root


def make_openloris_filelists(root, factor='iros', n_batches=2, n_classes=3, n_train=2, n_test=1) -> Path:
    "Avalanche's OpenLORIS: root/batches_filelists/domain/<factor>/train_batch_XX.txt + test.txt, paths relative to root."
    root = Path(root)
    lists = root / 'batches_filelists' / 'domain' / factor
    lists.mkdir(parents=True, exist_ok=True)

    def write(name, folder, k):
        rows = [(f'{folder}/{c}_{i}.png', c) for c in range(n_classes) for i in range(k)]
        for f, c in rows: write_image(root / f, c)
        (lists / name).write_text(''.join(f'{f} {c}\n' for f, c in rows))

    for b in range(n_batches): write(f'train_batch_{b:02d}.txt', f'train/{factor}/batch{b:02d}', n_train)
    write('test.txt', f'test/{factor}', n_test)
    return root


def make_openloris_tasks(root, n_tasks=2, objects=('bottle_01', 'cup_01', 'mug_02'), n=None, ext='.jpg') -> Path:
    "Final-round OpenLORIS: root/{train,validation,test}/taskN/<object>/<image>."
    root, n = Path(root), n or dict(train=2, validation=1, test=1)
    for split, k in n.items():
        for t in range(1, n_tasks + 1):
            for c, obj in enumerate(objects):
                for i in range(k): write_image(root / split / f'task{t}' / obj / f'{i}{ext}', c)
    return root


def make_core50(root, run=0, sessions=('s1', 's2'), test_sessions=('s3',), n_classes=3, n=2) -> Path:
    "CORe50 NI: root/core50_128x128/sX/oY/*.png + root/batches_filelists/NI_inc/runK/{train_batch_XX,test}_filelist.txt."
    root = Path(root)
    imgs, lists = root / 'core50_128x128', root / 'batches_filelists' / 'NI_inc' / f'run{run}'
    lists.mkdir(parents=True, exist_ok=True)

    def write(name, sess):
        rows = [(f'{s}/o{c + 1}/C_{int(s[1:]):02d}_{c + 1:02d}_{i:03d}.png', c) for s in sess for c in range(n_classes) for i in range(n)]
        for f, c in rows: write_image(imgs / f, c)
        (lists / name).write_text(''.join(f'{f} {c}\n' for f, c in rows))

    for b, s in enumerate(sessions): write(f'train_batch_{b:02d}_filelist.txt', [s])
    write('test_filelist.txt', test_sessions)
    return root


def make_folder_tree(root, tasks=None, n=None, ext='.png') -> Path:
    """Generic layout root/<task>/<train|test>/<class>/*.png. `tasks`: {task: [class names]};
    a class's colour is its index in the sorted union of class names."""
    root, n = Path(root), n or dict(train=2, test=1)
    tasks = tasks or {'day1': ['cat', 'dog', 'owl'], 'day2': ['cat', 'dog', 'owl']}
    classes = sorted({c for cs in tasks.values() for c in cs})
    for t, cs in tasks.items():
        for split, k in n.items():
            for c in cs:
                for i in range(k): write_image(root / t / split / c / f'{i}{ext}', classes.index(c))
    return root


def make_mnist_raw(root, name='MNIST', n_train=3, n_test=1, size=28) -> Path:
    "torchvision's MNIST-family files: root/<name>/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte, 10 classes."
    raw = Path(root) / name / 'raw'
    raw.mkdir(parents=True, exist_ok=True)
    for prefix, k in (('train', n_train), ('t10k', n_test)):
        y = np.repeat(np.arange(10, dtype=np.uint8), k)
        x = (y[:, None, None] * 25 + np.zeros((1, size, size), np.uint8)).astype(np.uint8)   # image brightness = 25 * label
        (raw / f'{prefix}-images-idx3-ubyte').write_bytes(np.array([2051, len(y), size, size], '>i4').tobytes() + x.tobytes())
        (raw / f'{prefix}-labels-idx1-ubyte').write_bytes(np.array([2049, len(y)], '>i4').tobytes() + y.tobytes())
    return Path(root)


@pytest.fixture
def openloris_csv_root(tmp_path): return make_openloris_csv(tmp_path / 'openloris_csv')

@pytest.fixture
def openloris_lists_root(tmp_path): return make_openloris_filelists(tmp_path / 'openloris_lists')

@pytest.fixture
def openloris_tasks_root(tmp_path): return make_openloris_tasks(tmp_path / 'openloris_final')

@pytest.fixture
def core50_root(tmp_path): return make_core50(tmp_path / 'core50')

@pytest.fixture
def folder_root(tmp_path): return make_folder_tree(tmp_path / 'my_data')

@pytest.fixture
def mnist_root(tmp_path): return make_mnist_raw(tmp_path / 'torchvision')
