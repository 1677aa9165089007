"The real-dataset loaders of `dnn_lab.datasets`, on tiny trees of real image files (built in tests/conftest.py)."
import shutil
import numpy as np
import pytest
import torch
from PIL import Image

import dnn_lab.datasets as dsm
from dnn_lab.data import TensorData, TaskStream
from dnn_lab.datasets import (ImageFiles, load_image, read_filelist, openloris_layout, openloris_stream, core50_stream,
                              folder_stream, torchvision_stream, class_groups, load_stream, materialize, materialize_stream,
                              show_tree, FIRST_ROUND_FACTORS)
from conftest import (COLOURS, write_image, make_openloris_csv, make_openloris_filelists, make_openloris_tasks, make_core50,
                      make_folder_tree, make_mnist_raw)


def colour(c): return torch.tensor(COLOURS[c], dtype=torch.float32) / 255


@pytest.fixture
def no_image_open(monkeypatch):
    "Any attempt to open an image fails the test."
    def boom(*a, **k): raise AssertionError(f"an image was opened: {a[0]}")
    monkeypatch.setattr(dsm.Image, 'open', boom)


@pytest.fixture
def count_opens(monkeypatch):
    "Counts the images opened."
    n, real = [0], Image.open
    def counting(*a, **k):
        n[0] += 1
        return real(*a, **k)
    monkeypatch.setattr(dsm.Image, 'open', counting)
    return n


def check_stream(st, n_tasks, n_classes, shape):
    assert isinstance(st, TaskStream)
    assert (len(st), st.n_classes, st.image_shape) == (n_tasks, n_classes, shape)
    for t in st:
        for split in (t.train, t.test):
            x, y = split[0]
            assert x.shape == shape and x.dtype == torch.float32
            assert 0 <= x.min() and x.max() <= 1
            assert 0 <= int(y) < n_classes and int(y) == int(split.labels[0])


# ---------------------------------------------------------------- one image, ImageFiles

def test_load_image(tmp_path):
    p = write_image(tmp_path / 'a.png', 2)
    x = load_image(p, 16)
    assert x.shape == (3, 16, 16) and x.dtype == torch.float32
    assert torch.allclose(x[:, -1, -1], colour(2), atol=1e-6)           # far from the dark corner
    assert torch.allclose(x[:, 0, 0], (torch.tensor(COLOURS[2]) // 2).float() / 255, atol=1e-6)
    g = load_image(p, 20, channels=1)
    assert g.shape == (1, 20, 20) and 0 <= g.min() and g.max() <= 1
    assert load_image(write_image(tmp_path / 'b.jpg', 0, size=64), 32).shape == (3, 32, 32)   # JPEG, downscaled


def test_image_files(tmp_path):
    paths = [write_image(tmp_path / f'{c}_{i}.png', c) for c in range(3) for i in range(2)]
    ds = ImageFiles(paths, [0, 0, 1, 1, 2, 2], image_size=16)
    assert len(ds) == 6 and ds.labels.dtype == torch.long and ds.image_shape == (3, 16, 16)
    x, y = ds[4]
    assert int(y) == 2 and torch.allclose(x[:, -1, -1], colour(2), atol=1e-6)
    assert ds.subset([1, 2]).labels.tolist() == [0, 1]
    assert ds.subset(ds.labels == 2).paths == paths[4:]
    td = ds.materialize(batch_size=4)
    assert isinstance(td, TensorData) and td.x.shape == (6, 3, 16, 16) and td.y.tolist() == [0, 0, 1, 1, 2, 2]
    assert torch.equal(td.x[4], x)
    assert materialize(td) is td
    assert ImageFiles(paths, [0] * 6, channels=1)[0][0].shape == (1, 32, 32)
    assert 'ImageFiles(6 images' in repr(ds)


def test_image_files_lazy(tmp_path, no_image_open):
    paths = [tmp_path / f'{i}.png' for i in range(4)]           # not even written: nothing may be opened
    ds = ImageFiles(paths, [0, 1, 0, 1])
    assert len(ds) == 4 and ds.labels.tolist() == [0, 1, 0, 1] and len(ds.subset([0, 1])) == 2
    with pytest.raises(AssertionError, match='an image was opened'): ds[0]


@pytest.mark.parametrize('kw, match', [
    (dict(labels=[0, 1]), '2 image paths but 3 labels|3 image paths but 2 labels'),
    (dict(image_size=8), 'image_size must be at least 16 px, got 8'),
    (dict(channels=4), 'channels must be 1 \\(grayscale\\) or 3 \\(RGB\\), got 4'),
])
def test_image_files_bad_args(tmp_path, kw, match):
    args = dict(paths=[tmp_path / f'{i}.png' for i in range(3)], labels=[0, 1, 2]) | kw
    with pytest.raises(ValueError, match=match): ImageFiles(**args)


def test_unreadable_images(tmp_path):
    (tmp_path / 'junk.png').write_bytes(b'this is not a png')
    good = write_image(tmp_path / 'good.png', 0).read_bytes()
    (tmp_path / 'cut.png').write_bytes(good[: len(good) // 2])         # truncated
    (tmp_path / 'empty.jpg').write_bytes(b'')
    ds = ImageFiles([tmp_path / 'junk.png', tmp_path / 'cut.png', tmp_path / 'empty.jpg', tmp_path / 'gone.png'], [0, 0, 0, 0])
    for i, name in enumerate(['junk.png', 'cut.png', 'empty.jpg']):
        with pytest.raises(ValueError, match=f"cannot read image '.*{name}'.*remove or replace it"): ds[i]
    with pytest.raises(FileNotFoundError, match="image file '.*gone.png' does not exist"): ds[3]
    with pytest.raises(ValueError, match='junk.png'): ds.materialize()
    with pytest.raises(ValueError, match='cannot materialize an empty dataset'): ds.subset([]).materialize()


# ---------------------------------------------------------------- file lists

def test_read_filelist(tmp_path):
    write_image(tmp_path / 'dir with space' / 'a.png', 0); write_image(tmp_path / 'b.png', 1)
    (tmp_path / 'l.txt').write_text('dir with space/a.png 0\n\n  b.png   1  \n')
    paths, labels = read_filelist(tmp_path / 'l.txt', tmp_path)
    assert labels == [0, 1] and paths == [tmp_path / 'dir with space' / 'a.png', tmp_path / 'b.png']


@pytest.mark.parametrize('text, exc, match', [
    ('b.png\n', ValueError, "line 1 of '.*l.txt' is 'b.png'; expected 'relative/path label'"),
    ('b.png one\n', ValueError, 'with an integer label'),
    ('\n\n', ValueError, "file list '.*l.txt' lists no images"),
    ('b.png 1\nc.png 0\nd.png 0\n', FileNotFoundError, "2 image file\\(s\\) listed in '.*l.txt' do not exist, e.g. '.*c.png'"),
])
def test_read_filelist_errors(tmp_path, text, exc, match):
    write_image(tmp_path / 'b.png', 1)
    (tmp_path / 'l.txt').write_text(text)
    with pytest.raises(exc, match=match): read_filelist(tmp_path / 'l.txt', tmp_path)


def test_read_filelist_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match="file list '.*nope.txt' does not exist"): read_filelist(tmp_path / 'nope.txt', tmp_path)


# ---------------------------------------------------------------- OpenLORIS, first round (label.csv)

def test_openloris_csv(openloris_csv_root):
    assert openloris_layout(openloris_csv_root) == 'csv'
    st = openloris_stream(openloris_csv_root, image_size=16)
    check_stream(st, 2, 3, (3, 16, 16))
    assert st.name == 'openloris-csv' and st.scenario == 'data-incremental'
    assert [t.name for t in st] == ['batch1', 'batch2']
    assert [(len(t.train), len(t.test)) for t in st] == [(6, 3), (6, 3)]
    assert st[0].train.labels.tolist() == [0, 0, 1, 1, 2, 2] and st[1].test.labels.tolist() == [0, 1, 2]
    assert [t.factors for t in st] == [FIRST_ROUND_FACTORS[1], FIRST_ROUND_FACTORS[2]]
    assert st[1].test.paths[0].parent == openloris_csv_root / 'test' / 'batch2'
    x, y = st[1].train[3]
    assert int(y) == 1 and torch.allclose(x[:, -1, -1], colour(1), atol=1e-6)
    assert st.class_names == ['object 0', 'object 1', 'object 2']
    val = openloris_stream(openloris_csv_root, use_validation=True)
    assert val[0].test.paths[0].parent == openloris_csv_root / 'validation' / 'batch1'
    assert openloris_stream(openloris_csv_root, n_classes=5).n_classes == 5


def test_openloris_csv_lazy(openloris_csv_root, count_opens, monkeypatch):
    st = openloris_stream(openloris_csv_root)
    assert count_opens[0] <= 2 * len(st)          # TaskStream reads one image per split to learn the shape, no more
    monkeypatch.setattr(dsm.Image, 'open', lambda *a, **k: pytest.fail('image opened'))
    assert [r['classes'] for r in st.table()] == [3, 3]
    assert sum(len(t.train.labels) for t in st) == 12


def test_openloris_csv_text_labels(tmp_path):
    root = make_openloris_csv(tmp_path / 'o', labels=['mug', 'bottle', 'cup'])
    st = openloris_stream(root)
    assert st.class_names == ['bottle', 'cup', 'mug']
    assert st[0].train.labels.tolist() == [2, 2, 0, 0, 1, 1]
    assert openloris_stream(root, n_classes=4).class_names == ['bottle', 'cup', 'mug', 'object 3']


def test_openloris_csv_columns_tolerated(tmp_path):
    root = make_openloris_csv(tmp_path / 'o', n_batches=1)
    for split in ('train', 'test'):
        f = root / split / 'batch1' / 'label.csv'
        f.write_text(f.read_text().replace('file name,label', ' File Name , Label '))
    assert len(openloris_stream(root)) == 1


def test_openloris_csv_errors(tmp_path):
    root = make_openloris_csv(tmp_path / 'o', n=dict(train=2, validation=1, test=1))
    shutil.rmtree(root / 'test' / 'batch2')
    with pytest.raises(FileNotFoundError, match="'.*train/batch2' has no matching '.*test/batch2'.*pass use_validation=True"):
        openloris_stream(root)
    assert len(openloris_stream(root, use_validation=True)) == 2

    (root / 'test' / 'batch1' / 'label.csv').write_text('file name\nb1_0_0.png\n')     # test labels withheld
    with pytest.raises(ValueError, match="label.csv' has columns \\['file name'\\]; expected 'file name' and 'label'; .*use_validation=True"):
        openloris_stream(root)

    (root / 'train' / 'batch1' / 'label.csv').write_text('filename,class\nb1_0_0.png,0\n')
    with pytest.raises(ValueError, match="train/batch1/label.csv' has columns \\['filename', 'class'\\]; expected 'file name' and 'label'"):
        openloris_stream(root, use_validation=True)

    (root / 'train' / 'batch1' / 'label.csv').write_text('file name,label\n')
    with pytest.raises(ValueError, match="train/batch1/label.csv' lists no images; every task needs training and test images"):
        openloris_stream(root, use_validation=True)

    (root / 'train' / 'batch1' / 'label.csv').write_text('file name,label\nb1_0_0.png,0\nmissing.png,1\n')
    with pytest.raises(FileNotFoundError, match="1 image file\\(s\\) listed in '.*batch1/label.csv' do not exist, e.g. '.*missing.png'"):
        openloris_stream(root, use_validation=True)


def test_openloris_label_outside_n_classes(openloris_csv_root):
    with pytest.raises(ValueError, match="label 2 in '.*train/batch1/label.csv' is outside 0..1 \\(n_classes=2\\)"):
        openloris_stream(openloris_csv_root, n_classes=2)


def test_openloris_corrupt_first_image(openloris_csv_root):
    (openloris_csv_root / 'train' / 'batch1' / 'b1_0_0.png').write_bytes(b'garbage')
    with pytest.raises(ValueError, match="cannot read image '.*b1_0_0.png'.*remove or replace it"):
        openloris_stream(openloris_csv_root)


def test_openloris_bad_root(tmp_path):
    with pytest.raises(FileNotFoundError, match="OpenLORIS-Object root '.*nowhere' does not exist; expected one of the OpenLORIS-Object layouts: 'csv' = first round"):
        openloris_stream(tmp_path / 'nowhere')
    write_image(tmp_path / 'stuff' / 'x.png', 0); (tmp_path / 'stuff' / 'train').mkdir()
    with pytest.raises(ValueError, match="'.*stuff' is not in a known OpenLORIS-Object layout; accepted: .*'csv' = .*'filelists' = .*'tasks' = .*Found: '.*stuff' holds train/, x.png"):
        openloris_stream(tmp_path / 'stuff')
    (tmp_path / 'empty').mkdir()
    with pytest.raises(ValueError, match="Found: '.*empty' is empty"): openloris_stream(tmp_path / 'empty')
    with pytest.raises(ValueError, match="is a file, not a folder"): openloris_stream(tmp_path / 'stuff' / 'x.png')


def test_openloris_bad_layout_name(openloris_csv_root):
    with pytest.raises(ValueError, match="layout must be 'auto' or one of csv, filelists, tasks, got 'round1'"):
        openloris_stream(openloris_csv_root, layout='round1')


# ---------------------------------------------------------------- OpenLORIS, file lists

def test_openloris_filelists(openloris_lists_root):
    assert openloris_layout(openloris_lists_root) == 'filelists'
    st = openloris_stream(openloris_lists_root, image_size=20)
    check_stream(st, 2, 3, (3, 20, 20))
    assert st.name == 'openloris-iros' and [t.name for t in st] == ['batch_00', 'batch_01']
    assert [t.factors for t in st] == [dict(factor='iros', batch=0), dict(factor='iros', batch=1)]
    assert st[0].test is st[1].test and len(st[0].test) == 3
    assert st[1].train.paths[0] == openloris_lists_root / 'train/iros/batch01/0_0.png'
    x, y = st[1].train[5]
    assert int(y) == 2 and torch.allclose(x[:, -1, -1], colour(2), atol=1e-6)
    assert len(openloris_stream(openloris_lists_root, factor='mixture-iros')) == 2


def test_openloris_filelists_factors(tmp_path):
    root = make_openloris_filelists(tmp_path / 'o', factor='illumination', n_batches=3)
    make_openloris_filelists(root, factor='iros', n_batches=2)
    assert len(openloris_stream(root, factor='illumination')) == 3
    assert len(openloris_stream(root)) == 2
    with pytest.raises(FileNotFoundError, match="no file lists for factor 'pixel': '.*domain/pixel' does not exist; '.*domain' holds illumination/, iros/"):
        openloris_stream(root, factor='pixel')
    with pytest.raises(ValueError, match="factor must be one of clutter, illumination, occlusion, pixel, iros .*got 'light'"):
        openloris_stream(root, factor='light')


def test_openloris_filelists_errors(openloris_lists_root):
    d = openloris_lists_root / 'batches_filelists' / 'domain' / 'iros'
    (d / 'train_batch_01.txt').write_text('train/iros/batch01/0_0.png 7\n')
    with pytest.raises(ValueError, match="label 7 in '.*train_batch_01.txt' is outside 0..2 \\(n_classes=3\\)"):
        openloris_stream(openloris_lists_root, n_classes=3)
    (d / 'train_batch_01.txt').write_text('')
    with pytest.raises(ValueError, match="file list '.*train_batch_01.txt' lists no images"):
        openloris_stream(openloris_lists_root)
    (d / 'test.txt').unlink()
    with pytest.raises(FileNotFoundError, match="file list '.*iros/test.txt' does not exist"):
        openloris_stream(openloris_lists_root)
    for f in d.glob('train_batch_*.txt'): f.unlink()
    with pytest.raises(ValueError, match="'.*domain/iros' holds no train_batch_XX.txt file lists"):
        openloris_stream(openloris_lists_root)


# ---------------------------------------------------------------- OpenLORIS, final round (object folders)

def test_openloris_tasks(openloris_tasks_root):
    assert openloris_layout(openloris_tasks_root) == 'tasks'
    st = openloris_stream(openloris_tasks_root, image_size=16)
    check_stream(st, 2, 3, (3, 16, 16))
    assert st.class_names == ['bottle_01', 'cup_01', 'mug_02'] and [t.name for t in st] == ['task1', 'task2']
    assert st[0].train.labels.tolist() == [0, 0, 1, 1, 2, 2] and len(st[0].test) == 3
    x, _ = st[0].train[2]                                           # JPEG: colours are close, not exact
    assert torch.allclose(x[:, -1, -1], colour(1), atol=0.05)
    assert openloris_stream(openloris_tasks_root, use_validation=True)[1].test.paths[0].parts[-4] == 'validation'
    shutil.rmtree(openloris_tasks_root / 'test' / 'task2')
    with pytest.raises(FileNotFoundError, match="'.*train/task2' has no matching '.*test/task2'"):
        openloris_stream(openloris_tasks_root)


# ---------------------------------------------------------------- CORe50 NI

def test_core50(core50_root):
    st = core50_stream(core50_root, image_size=16)
    check_stream(st, 2, 3, (3, 16, 16))
    assert st.name == 'core50-ni-run0' and [t.name for t in st] == ['batch_00', 'batch_01']
    assert st.class_names == ['o1', 'o2', 'o3']
    assert [t.factors for t in st] == [dict(session='s1'), dict(session='s2')]
    assert st[0].test is st[1].test and len(st[0].test) == 6 and len(st[1].train) == 6
    assert st[1].train.paths[0] == core50_root / 'core50_128x128/s2/o1/C_02_01_000.png'
    x, y = st[0].test[4]
    assert int(y) == 2 and torch.allclose(x[:, -1, -1], colour(2), atol=1e-6)


def test_core50_eight_sessions(tmp_path):
    root = make_core50(tmp_path / 'c', run=1, sessions=('s1', 's2', 's4', 's5', 's6', 's8', 's9', 's11'), test_sessions=('s3', 's7', 's10'), n_classes=2, n=1)
    st = core50_stream(root, run=1)
    assert len(st) == 8 and st[7].factors == dict(session='s11') and len(st[0].test) == 6
    assert st[0].name == 'batch_00' and st[7].name == 'batch_07'


def test_core50_errors(core50_root, tmp_path):
    with pytest.raises(FileNotFoundError, match="CORe50 root '.*nope' does not exist; expected root/core50_128x128/sX/oY/\\*.png"):
        core50_stream(tmp_path / 'nope')
    with pytest.raises(FileNotFoundError, match="no NI file lists for run 4: '.*NI_inc/run4' does not exist; '.*NI_inc' holds run0/"):
        core50_stream(core50_root, run=4)
    with pytest.raises(ValueError, match="label 2 in '.*train_batch_00_filelist.txt' is outside 0..1 \\(n_classes=2\\)"):
        core50_stream(core50_root, n_classes=2)
    lists = core50_root / 'batches_filelists' / 'NI_inc' / 'run0'
    (lists / 'train_batch_01_filelist.txt').write_text('s2/o1/C_02_01_000.png 0\ns2/o9/gone.png 0\n')
    with pytest.raises(FileNotFoundError, match="listed in '.*train_batch_01_filelist.txt' do not exist, e.g. '.*s2/o9/gone.png'"):
        core50_stream(core50_root)
    for f in lists.glob('train_batch_*'): f.unlink()
    with pytest.raises(ValueError, match="'.*run0' holds no train_batch_XX_filelist.txt"):
        core50_stream(core50_root)
    shutil.rmtree(core50_root / 'core50_128x128')
    with pytest.raises(ValueError, match="'.*core50' is not a CORe50 folder; expected .*Found: '.*core50' holds batches_filelists/"):
        core50_stream(core50_root)


# ---------------------------------------------------------------- folder tree

def test_folder(folder_root):
    st = folder_stream(folder_root, image_size=16)
    check_stream(st, 2, 3, (3, 16, 16))
    assert st.name == 'my_data' and [t.name for t in st] == ['day1', 'day2'] and st.class_names == ['cat', 'dog', 'owl']
    assert st[0].train.labels.tolist() == [0, 0, 1, 1, 2, 2] and st[1].test.labels.tolist() == [0, 1, 2]
    x, y = st[1].train[3]
    assert int(y) == 1 and torch.allclose(x[:, -1, -1], colour(1), atol=1e-6)
    assert folder_stream(folder_root, channels=1).image_shape == (1, 32, 32)
    assert folder_stream(folder_root, scenario='class-incremental').scenario == 'class-incremental'


def test_folder_union_order_hidden(tmp_path):
    root = make_folder_tree(tmp_path / 'f', tasks={'day10': ['bee', 'cat'], 'day2': ['cat', 'dog'], 'day1': ['ant', 'cat']}, ext='.jpg')
    write_image(root / 'day1' / 'train' / 'cat' / '2.JPEG', 2)         # upper-case extension counts
    (root / 'day1' / 'train' / 'cat' / 'notes.txt').write_text('not an image')
    (root / '.ipynb_checkpoints').mkdir(); (root / 'day1' / 'train' / '.hidden').mkdir()
    st = folder_stream(root)
    assert [t.name for t in st] == ['day1', 'day2', 'day10']
    assert st.class_names == ['ant', 'bee', 'cat', 'dog'] and st.n_classes == 4
    assert st[0].train.labels.tolist() == [0, 0, 2, 2, 2] and st[1].train.labels.tolist() == [2, 2, 3, 3]
    assert st[2].test.labels.tolist() == [1, 2]


def test_folder_errors(tmp_path, folder_root):
    with pytest.raises(FileNotFoundError, match="dataset folder '.*nope' does not exist; expected root/<task>/<train\\|test>/<class>/"):
        folder_stream(tmp_path / 'nope')
    (tmp_path / 'flat').mkdir(); write_image(tmp_path / 'flat' / 'a.png', 0)
    with pytest.raises(ValueError, match="'.*flat' holds no task folders; expected root/<task>/<train\\|test>/<class>/.*Found: '.*flat' holds a.png"):
        folder_stream(tmp_path / 'flat')
    (folder_root / 'day3' / 'train' / 'cat').mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match="task folder '.*day3' has no 'test' folder; expected .*Found: '.*day3' holds train/"):
        folder_stream(folder_root)
    (folder_root / 'day3' / 'test' / 'cat').mkdir(parents=True)
    write_image(folder_root / 'day3' / 'test' / 'cat' / '0.png', 0)
    with pytest.raises(ValueError, match="'.*day3/train' holds no images; every task needs train images in class folders"):
        folder_stream(folder_root)


# ---------------------------------------------------------------- torchvision

def test_torchvision_mnist(mnist_root):
    st = torchvision_stream('MNIST', mnist_root, n_tasks=5, image_size=16)
    check_stream(st, 5, 10, (1, 16, 16))
    assert st.scenario == 'class-incremental' and st.name == 'mnist-ci5'
    assert st.class_names[3] == '3 - three'
    assert [t.name for t in st][:2] == ['classes 0, 1', 'classes 2, 3']
    assert st[2].train.labels.tolist() == [4, 4, 4, 5, 5, 5] and st[2].test.labels.tolist() == [4, 5]
    x, y = st[2].train[4]
    assert int(y) == 5 and torch.allclose(x, torch.full((1, 16, 16), 125 / 255), atol=1e-6)
    assert torchvision_stream('MNIST', mnist_root, n_tasks=2, channels=3).image_shape == (3, 32, 32)
    td = st[4].test.materialize()
    assert td.x.shape == (2, 1, 16, 16) and td.y.tolist() == [8, 9]
    assert st[1].train.subset([0]).labels.tolist() == [2]


def test_torchvision_class_and_order(tmp_path):
    import torchvision
    root = make_mnist_raw(tmp_path / 'tv', name='FashionMNIST', n_train=1, n_test=1)
    st = torchvision_stream(torchvision.datasets.FashionMNIST, root, n_tasks=3, class_order=[9, 8, 7, 6, 5, 4, 3, 2, 1, 0])
    assert [len(t.train) for t in st] == [4, 3, 3] and st[0].train.labels.tolist() == [6, 7, 8, 9]
    assert st.class_names[0] == 'T-shirt/top'


def test_torchvision_lazy(mnist_root, monkeypatch):
    st = torchvision_stream('MNIST', mnist_root, n_tasks=2)
    calls = [0]
    real = dsm._to_tensor
    monkeypatch.setattr(dsm, '_to_tensor', lambda *a: (calls.__setitem__(0, calls[0] + 1), real(*a))[1])
    assert len(st[0].train.labels) == 15 and calls[0] == 0
    st[0].train[0]
    assert calls[0] == 1


def test_torchvision_errors(mnist_root, tmp_path):
    with pytest.raises(FileNotFoundError, match="torchvision dataset CIFAR10 not found under '.*'.*pass download=True on a machine with internet, or copy the files to root/cifar-10-batches-py/"):
        torchvision_stream('CIFAR10', mnist_root)
    with pytest.raises(FileNotFoundError, match="torchvision dataset MNIST not found .*root/MNIST/raw/"):
        torchvision_stream('MNIST', tmp_path / 'empty')
    with pytest.raises(ValueError, match="torchvision.datasets has no dataset 'MINST'; did you mean MNIST"):
        torchvision_stream('MINST', mnist_root)
    with pytest.raises(ValueError, match="n_tasks must be between 1 and the number of classes \\(10\\), got 0"):
        torchvision_stream('MNIST', mnist_root, n_tasks=0)
    with pytest.raises(ValueError, match="class_order must list each of the 10 classes 0..9 once"):
        torchvision_stream('MNIST', mnist_root, class_order=[0, 1, 2])
    with pytest.raises(ValueError, match="ImageFolder has no train/test split argument; for a folder of images use folder_stream"):
        torchvision_stream('ImageFolder', mnist_root)


def test_class_groups():
    assert class_groups(10, 3) == [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]
    assert class_groups(4, 2, [3, 1, 0, 2]) == [[3, 1], [0, 2]]
    assert class_groups(3, 1) == [[0, 1, 2]]


# ---------------------------------------------------------------- load_stream, materialize_stream, show_tree

def test_load_stream_sources(openloris_csv_root, openloris_lists_root, core50_root, folder_root, mnist_root):
    assert load_stream(f'openloris:{openloris_csv_root}', image_size=16).image_shape == (3, 16, 16)
    assert load_stream(f'openloris:{openloris_lists_root}', factor='iros').name == 'openloris-iros'
    assert load_stream(f'core50:{core50_root}', run=0).name == 'core50-ni-run0'
    assert [t.name for t in load_stream(f'folder:{folder_root}')] == ['day1', 'day2']
    st = load_stream(f'torchvision:MNIST:{mnist_root}', n_tasks=2)
    assert len(st) == 2 and st.scenario == 'class-incremental'


def test_load_stream_with_config(folder_root, mnist_root):
    from dnn_lab.config import load_config
    cfg = load_config(image_size=24, ci_tasks=2)
    assert load_stream(f'folder:{folder_root}', cfg).image_shape == (3, 24, 24)
    assert load_stream(f'folder:{folder_root}', cfg, image_size=16).image_shape == (3, 16, 16)
    st = load_stream(f'torchvision:MNIST:{mnist_root}', cfg)
    assert len(st) == 2 and st.image_shape == (1, 24, 24)


def test_load_stream_errors(tmp_path, folder_root):
    with pytest.raises(ValueError, match="unknown stream source 'imagenet' in 'imagenet:/x'; give an embedded preset \\(iros9, .*\\), .*'openloris:/path', 'core50:/path', 'folder:/path' or 'torchvision:NAME:/path'"):
        load_stream('imagenet:/x')
    with pytest.raises(ValueError, match="unknown stream 'iros10'; give an embedded preset \\(iros9, illumination"):
        load_stream('iros10')
    with pytest.raises(ValueError, match="torchvision spec 'torchvision:/data' needs a dataset name and a folder"):
        load_stream('torchvision:/data')
    with pytest.raises(FileNotFoundError, match="dataset folder '.*nope' does not exist"):
        load_stream(f'folder:{tmp_path / "nope"}')
    with pytest.raises(TypeError): load_stream(f'folder:{folder_root}', factor='iros')    # a loader's own arguments only


def test_materialize_stream(core50_root):
    st = core50_stream(core50_root, image_size=16)
    mem = materialize_stream(st, batch_size=4)
    assert (len(mem), mem.n_classes, mem.class_names, mem.name, mem.scenario) == (len(st), st.n_classes, st.class_names, st.name, st.scenario)
    assert isinstance(mem[0].train, TensorData) and mem[0].test is mem[1].test
    assert torch.equal(mem[1].train.x[3], st[1].train[3][0]) and torch.equal(mem[1].train.y, st[1].train.labels)
    assert mem[1].factors == st[1].factors


def test_show_tree(core50_root):
    lines = show_tree(core50_root, max_entries=2).splitlines()
    assert lines[:5] == ['core50/', '├── batches_filelists/', '│   └── NI_inc/', '│       └── run0/', '│           ├── test_filelist.txt']
    assert lines[6] == '│           └── ... 1 more' and lines[-1] == '    └── ... 1 more'
    assert show_tree(core50_root, depth=1).splitlines() == ['core50/', '├── batches_filelists/', '└── core50_128x128/']


# ---------------------------------------------------------------- embedded presets (needs dnn_lab.data.stream_from_config)

def test_load_stream_preset_delegates(monkeypatch):
    "A preset name becomes `cfg.stream` and goes, with the overrides, to dnn_lab.data.stream_from_config."
    import dnn_lab.data as data
    from dnn_lab.config import load_config
    seen = []
    monkeypatch.setattr(data, 'stream_from_config', lambda cfg, **kw: seen.append(cfg) or 'stream', raising=False)
    assert load_stream('pixel', n_train=3) == 'stream'
    assert (seen[-1].stream, seen[-1].n_train) == ('pixel', 3)
    assert load_stream('class_inc', load_config(ci_tasks=4), image_size=48) == 'stream'
    assert (seen[-1].stream, seen[-1].ci_tasks, seen[-1].image_size) == ('class_inc', 4, 48)
    with pytest.raises(ValueError, match="unknown setting 'n_tain'"): load_stream('iros9', n_tain=3)


def test_load_stream_preset():
    import dnn_lab.data as data
    if not hasattr(data, 'stream_from_config'): pytest.skip('dnn_lab.data.stream_from_config is not there yet')
    st = load_stream('iros9', n_classes=3, n_train=2, n_test=1, image_size=16)
    assert isinstance(st, TaskStream) and st.n_classes == 3 and st.image_shape[1:] == (16, 16)
    from dnn_lab.config import load_config
    st2 = load_stream('class_inc', load_config(n_classes=4, n_train=1, n_test=1, image_size=16, ci_tasks=2))
    assert st2.scenario == 'class-incremental' and len(st2) == 2
