"""The catalogue of bad inputs (issue 13): what a user can get wrong across the API, the command line, settings files,
dataset loaders and run folders, and what the lab answers.

Each case gives the input, where it enters, the error expected and words its message must contain: some that name the
offending thing and some that say the fix. A case is a function of a folder of its own: the part before its `yield`
writes the user's input there (files, copies of run folders), the part after feeds it to the lab. Every file in the
folder at the `yield` must still be there, byte for byte, after the error; and no temporary file may be left behind.
docs/bad_inputs.md is this list as a table: `python tests/test_bad_inputs.py` writes it, and a test checks it is current.

A full disk is a 16 KiB tmpfs when the tests may mount one (as root), else an OSError(ENOSPC) injected into os.fsync,
where a real full disk usually shows; a read-only folder is a read-only tmpfs as root, else a folder with mode 500.
"""
from __future__ import annotations
import contextlib, errno, hashlib, inspect, io, json, os, shutil, subprocess, sys, warnings
from dataclasses import dataclass
from pathlib import Path
import pytest
import torch

from dnn_lab.errors import (LabError, LabValueError, LabTypeError, LabFileNotFoundError, LabFileExistsError, LabPermissionError,
                            LabOSError, RunFolderError)

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT/'docs'/'bad_inputs.md'
TINY = dict(width=4, batch_size=8, base_epochs=1, base_milestones='', inc_epochs=1, inc_milestones='')


@dataclass
class Case:
    id: str
    input: str                       # what the user gave, in words
    where: str                       # API | CLI | settings file | loader | run folder
    error: type | str                # the exception class, 'exit 2' for the command line, or a warning class
    names: tuple                     # words of the message that name the offending thing
    fix: tuple                       # words of the message that say the fix
    run: object                      # run(d) or run(d, folders): writes the input in folder d (before a yield), then calls the lab

    @property
    def error_name(self) -> str: return self.error if isinstance(self.error, str) else self.error.__name__


CASES: list[Case] = []
def case(id, input, where, error, names, fix):
    "Register the decorated function as a case."
    def deco(fn): CASES.append(Case(id, input, where, error, tuple(names), tuple(fix), fn)); return fn
    return deco


# -- building blocks --------------------------------------------------------------------------------------------------
def task(n=8, c=3, s=16, k=2, name='a', **kw):
    return dict(name=name, x_train=torch.rand(n, c, s, s), y_train=torch.arange(n) % k, x_test=torch.rand(n // 2, c, s, s),
                y_test=torch.arange(n // 2) % k, **kw)

def stream(*tasks, n_classes=2, **kw):
    from dnn_lab.data import TaskStream
    return TaskStream.from_tensors(list(tasks) if tasks else [task(), task(name='b')], n_classes=n_classes, **kw)

def run(st, method='finetune', **kw):
    from dnn_lab.run import run_sequence
    return run_sequence(st, method, seed=0, **{**TINY, **kw})

def tiny_stream():
    from dnn_lab.data import make_stream, TaskStream
    s = make_stream('iros9', n_classes=3, image_size=16, n_train=2, n_test=1)
    return TaskStream(s.tasks[:3], 3, 'tiny3', s.class_names)

def load(p, **kw):
    from dnn_lab.run import RunResult
    return RunResult.load(p, **kw)

def resume(p, method='dnn', **kw): return run(tiny_stream(), method, resume=p, **kw)

def cli(*argv) -> tuple[int, str]:
    "The command line in this process (tests/test_cli.py runs the console script): exit status and stderr."
    from dnn_lab.cli import main
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err): code = main(list(argv))
    return code, err.getvalue()


@pytest.fixture(scope='module')
def folders(tmp_path_factory):
    "Template run folders: a complete finetune run, and a dnn run stopped (Ctrl-C) in task 2 with its checkpoint."
    root = tmp_path_factory.mktemp('templates')
    st = tiny_stream()
    run(st, out=root/'complete')
    def stop(event, **info):
        if event == 'task_start' and info['t'] == 2: raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt): run(st, 'dnn', out=root/'stopped', callbacks=[stop])
    return root

def copy_run(folders, name, d: Path) -> Path: return Path(shutil.copytree(folders/name, d/name))

def evil_file(path: Path):
    "A torch checkpoint holding pickled code: loading it without weights_only would run `os.system`."
    class Evil:
        def __reduce__(self): return (os.system, ('echo this should never run',))
    torch.save({'state_dict': Evil()}, path)

MOUNTS: list[Path] = []
def tmpfs(d: Path, size: str, ro: bool = False) -> bool:
    "Mount a tmpfs of `size` at `d`, unmounted after the test's checks; False when this process may not mount one."
    d.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or not shutil.which('mount'): return False
    opts = f'size={size}' + (',ro' if ro else '')
    if subprocess.run(['mount', '-t', 'tmpfs', '-o', opts, 'tmpfs', str(d)], capture_output=True).returncode: return False
    MOUNTS.append(d); return True

def unmount_all():
    while MOUNTS: subprocess.run(['umount', '-l', str(MOUNTS.pop())], capture_output=True)


# -- API: tensors and streams -----------------------------------------------------------------------------------------
@case('nan_images', 'training images containing NaN', 'API: TaskStream.from_tensors', LabValueError,
      ["task 'a' train", 'NaN or infinite'], ['fix those images or drop them'])
def _(d): stream({**task(), 'x_train': torch.full((8, 3, 16, 16), float('nan'))})

@case('inf_images', 'test images containing +Inf', 'API: TaskStream.from_tensors', LabValueError,
      ["task 'a' test", 'NaN or infinite', 'the first in image 1'], ['drop them'])
def _(d):
    t = task(); t['x_test'][1, 0, 0, 0] = float('inf'); stream(t)

@case('float_labels', 'labels as floats (0., 1., ...)', 'API: TaskStream.from_tensors', LabValueError,
      ["task 'a' train", 'labels must be integer class indices', 'torch.float32'], ['y.long()'])
def _(d): stream({**task(), 'y_train': torch.arange(8.) % 2})

@case('label_too_large', 'a label outside 0..n_classes-1', 'API: TaskStream.from_tensors', LabValueError,
      ["task 'a' train", 'label 5 outside 0..1 (n_classes=2)'], ['fix the labels or pass the right n_classes'])
def _(d): stream({**task(), 'y_train': torch.tensor([0, 1, 5, 0, 1, 0, 1, 0])})

@case('negative_label', 'a negative label', 'API: TaskStream.from_tensors', LabValueError,
      ["task 'a' test", 'label -1 outside 0..1'], ['fix the labels'])
def _(d): stream({**task(), 'y_test': torch.tensor([0, -1, 0, 1])})

@case('uint8_images', 'uint8 images (0..255) where floats in [0, 1] are expected', 'API: TaskStream.from_tensors', LabValueError,
      ["task 'a' train", 'dtype torch.uint8'], ['divide uint8 images by 255'])
def _(d): stream({**task(), 'x_train': (torch.rand(8, 3, 16, 16) * 255).to(torch.uint8)})

@case('images_0_255', 'float images in 0..255 instead of [0, 1]', 'API: TaskStream.from_tensors', LabValueError,
      ["task 'a' train", 'images must lie in [0, 1]'], ['x / 255'])
def _(d): stream({**task(), 'x_train': torch.rand(8, 3, 16, 16) * 255})

@case('standardised_images', 'images standardised to mean 0, std 1', 'API: TaskStream.from_tensors', LabValueError,
      ['images must lie in [0, 1]'], ['undo the mean/std normalisation'])
def _(d): stream({**task(), 'x_train': torch.randn(8, 3, 16, 16)})

@case('images_3d', 'images without a channel axis (N, H, W)', 'API: TaskStream.from_tensors', LabValueError,
      ["task 'a' train", 'got shape (8, 16, 16)'], ['4-d tensor (N, C, H, W)'])
def _(d): stream({**task(), 'x_train': torch.rand(8, 16, 16)})

@case('mismatched_sizes', 'tasks with images of different sizes (16 px, 20 px)', 'API: TaskStream.from_tensors', LabValueError,
      ['different image shapes', '(3, 20, 20)'], ['resize them to one shape'])
def _(d): stream(task(), task(s=20, name='b'))

@case('mismatched_channels', 'a grayscale task in an RGB stream', 'API: TaskStream.from_tensors', LabValueError,
      ['different image shapes', '(1, 16, 16)'], ['resize them to one shape (C, H, W)'])
def _(d): stream(task(), task(c=1, name='b'))

@case('empty_stream', 'a stream with no task', 'API: TaskStream.from_tensors', LabValueError,
      ["stream 'custom' has no tasks"], ['give at least one'])
def _(d):
    from dnn_lab.data import TaskStream
    TaskStream.from_tensors([], n_classes=2)

@case('empty_task', 'a task with no training sample', 'API: TaskStream.from_tensors', LabValueError,
      ["task 'b' has an empty train set"], ['every task needs training and test images'])
def _(d): stream(task(), task(n=0, name='b'))

@case('single_class_task', 'a data-incremental task whose training set holds one class (allowed, with a warning)',
      'API: TaskStream.from_tensors', UserWarning, ["task 'b' trains on one class only (class 0)"],
      ['check the labels', "scenario='class-incremental'"])
def _(d): stream(task(), task(k=1, name='b'))

@case('n_classes_conflict', 'run_sequence(stream of 2 classes, n_classes=10)', 'API: run_sequence', LabValueError,
      ["n_classes=10 disagrees with the stream 'custom', which has 2 classes"], ['drop n_classes='])
def _(d): run(stream(), n_classes=10)

@case('image_size_conflict', 'run_sequence(stream of 16 px images, image_size=32)', 'API: run_sequence', LabValueError,
      ["image_size=32 disagrees with the stream 'custom'", '(3, 16, 16)'], ['drop image_size='])
def _(d): run(stream(), image_size=32)

@case('not_a_stream', 'a list of tensors where a TaskStream is expected', 'API: run_sequence', LabTypeError,
      ['stream must be a TaskStream', 'got list'], ['TaskStream.from_tensors(...) or make_stream()'])
def _(d): run([torch.rand(4, 3, 16, 16)])

@case('unknown_method', "method 'ewc9'", 'API: run_sequence', LabValueError,
      ["unknown method 'ewc9'"], ['choose one of', '`dnn-lab methods` lists them'])
def _(d): run(stream(), 'ewc9')

@case('setting_typo', 'a misspelt setting keyword (expand_treshold=0.5)', 'API: run_sequence', LabValueError,
      ["unknown setting 'expand_treshold'"], ["did you mean 'expand_threshold'", '`dnn-lab settings`'])
def _(d): run(stream(), 'dnn', expand_treshold=0.5)

@case('setting_nan', 'a NaN setting value (kd_weight=nan)', 'API: load_config', LabValueError,
      ["setting 'kd_weight' = nan is outside its range"], ['[0, 100]'])
def _(d):
    from dnn_lab.config import load_config
    load_config(kd_weight=float('nan'))

@case('setting_wrong_kind', "a setting of the wrong kind (base_epochs='many')", 'API: load_config', LabValueError,
      ["setting 'base_epochs' = 'many' is not an integer"], ['allowed: [1, 1000]'])
def _(d):
    from dnn_lab.config import load_config
    load_config(base_epochs='many')

@case('unknown_stream', "load_stream('iros10')", 'API: load_stream', LabValueError,
      ["unknown stream 'iros10'"], ['give an embedded preset (iros9'])
def _(d):
    from dnn_lab.datasets import load_stream
    load_stream('iros10')


# -- settings files ---------------------------------------------------------------------------------------------------
@case('ini_typo', 'a settings file with a misspelt key', 'settings file', LabValueError,
      ["unknown setting 'expand_thresold' in", 'mine.ini'], ["did you mean 'expand_threshold'"])
def _(d):
    from dnn_lab.config import load_config
    (d/'mine.ini').write_text('[dnn]\nexpand_thresold = 0.25\n')
    yield
    load_config(d/'mine.ini')

@case('ini_malformed', "a settings file with a line that is not 'key = value'", 'settings file', LabValueError,
      ['mine.ini, line 2', "cannot read 'expand_threshold: 0.25'"], ["expected 'key = value' under a [section]"])
def _(d):
    from dnn_lab.config import load_config
    (d/'mine.ini').write_text('[dnn]\nexpand_threshold: 0.25\n')
    yield
    load_config(d/'mine.ini')

@case('ini_no_section', 'a settings file whose keys are under no [section]', 'settings file', LabValueError,
      ['mine.ini, line 1'], ['under a [section]'])
def _(d):
    from dnn_lab.config import load_config
    (d/'mine.ini').write_text('expand_threshold = 0.25\n')
    yield
    load_config(d/'mine.ini')

@case('ini_out_of_range', 'a settings file with a value out of range', 'settings file', LabValueError,
      ["setting 'expand_threshold' = 2.0 is outside its range"], ['[0, 1]'])
def _(d):
    from dnn_lab.config import load_config
    (d/'mine.ini').write_text('[dnn]\nexpand_threshold = 2\n')
    yield
    load_config(d/'mine.ini')

@case('settings_env_missing', '$DNN_LAB_SETTINGS naming a file that does not exist', 'settings file', LabFileNotFoundError,
      ["'/no/such/settings.ini' named by $DNN_LAB_SETTINGS does not exist"], ['unset it'])
def _(d):
    from dnn_lab.config import load_config
    old = os.environ.get('DNN_LAB_SETTINGS'); os.environ['DNN_LAB_SETTINGS'] = '/no/such/settings.ini'
    try: load_config()
    finally:
        os.environ.pop('DNN_LAB_SETTINGS')
        if old is not None: os.environ['DNN_LAB_SETTINGS'] = old


# -- loaders ----------------------------------------------------------------------------------------------------------
@case('folder_missing', 'folder_stream on a path that does not exist', 'loader', LabFileNotFoundError,
      ['dataset folder', "no_such_data' does not exist"], ['expected root/<task>/<train|test>/<class>/'])
def _(d):
    from dnn_lab.datasets import folder_stream
    folder_stream(d/'no_such_data')

@case('folder_no_test', 'a task folder without its test/ folder', 'loader', LabFileNotFoundError,
      ['task folder', "day1' has no 'test' folder"], ['expected root/<task>/<train|test>/<class>/'])
def _(d):
    from conftest import make_folder_tree
    from dnn_lab.datasets import folder_stream
    make_folder_tree(d/'data', n=dict(train=1))
    yield
    folder_stream(d/'data')

@case('filelist_bad_line', 'a file list line whose label is not an integer', 'loader', LabValueError,
      ['line 1 of', "list.txt' is 'a.png zero'"], ["expected 'relative/path label' with an integer label"])
def _(d):
    from dnn_lab.datasets import read_filelist
    (d/'list.txt').write_text('a.png zero\n')
    yield
    read_filelist(d/'list.txt', d)

@case('filelist_missing_images', 'a file list naming images that do not exist', 'loader', LabFileNotFoundError,
      ['1 image file(s) listed in', "list.txt' do not exist"], ['restore them or remove their lines'])
def _(d):
    from dnn_lab.datasets import read_filelist
    (d/'list.txt').write_text('nowhere.png 0\n')
    yield
    read_filelist(d/'list.txt', d)

@case('corrupt_image', 'an image file that is not an image', 'loader', LabValueError,
      ['cannot read image', 'broken.png'], ['remove or replace it'])
def _(d):
    from dnn_lab.datasets import ImageFiles
    (d/'broken.png').write_bytes(b'not an image')
    yield
    ImageFiles([d/'broken.png'], [0]).materialize()

@case('core50_wrong_folder', 'core50: pointing at a folder that is not CORe50', 'loader', LabValueError,
      ['is not a CORe50 folder'], ['core50_128x128'])
def _(d):
    from dnn_lab.datasets import core50_stream
    (d/'other').mkdir()
    yield
    core50_stream(d/'other')

@case('torchvision_missing', "torchvision:MNIST on a folder without MNIST's files", 'loader', LabFileNotFoundError,
      ['torchvision dataset MNIST not found under'], ['pass download=True on a machine with internet', 'root/MNIST/raw/'])
def _(d):
    from dnn_lab.datasets import torchvision_stream
    torchvision_stream('MNIST', d)


# -- run folders ------------------------------------------------------------------------------------------------------
@case('run_json_corrupt', 'a run folder whose run.json is cut short', 'run folder', RunFolderError,
      ["run.json' is corrupt"], ["the folder's other files cannot replace it", 'rerun it'])
def _(d, folders):
    p = copy_run(folders, 'complete', d); (p/'run.json').write_text((p/'run.json').read_text()[:200])
    yield
    load(p)

@case('run_json_not_a_record', 'a run folder whose run.json is valid JSON of something else', 'run folder', RunFolderError,
      ["run.json' is corrupt", 'it lacks'], ['rerun it'])
def _(d, folders):
    p = copy_run(folders, 'complete', d); (p/'run.json').write_text('{"hello": 1}')
    yield
    load(p)

@case('metrics_corrupt', 'a run folder whose metrics.json is corrupt', 'run folder', RunFolderError,
      ["metrics.json' is corrupt"], ['repair_run_folder('])
def _(d, folders):
    p = copy_run(folders, 'complete', d); (p/'metrics.json').write_text('{"square": 0.9')
    yield
    load(p)

@case('csv_corrupt', 'a run folder whose accuracy_matrix.csv holds text where numbers belong', 'run folder', RunFolderError,
      ["accuracy_matrix.csv' is corrupt"], ['repair_run_folder('])
def _(d, folders):
    p = copy_run(folders, 'complete', d); (p/'accuracy_matrix.csv').write_text('row,a,b,c\nbefore,x,y,z\n')
    yield
    load(p)

@case('csv_rows_lost', 'a run folder whose decisions.csv lost its last lines', 'run folder', RunFolderError,
      ["decisions.csv' is corrupt", 'where run.json gives'], ['repair_run_folder('])
def _(d, folders):
    p = copy_run(folders, 'complete', d); (p/'decisions.csv').write_text((p/'decisions.csv').read_text().splitlines()[0] + '\n')
    yield
    load(p)

@case('config_ini_corrupt', 'a run folder whose config.ini is not an INI file', 'run folder', RunFolderError,
      ["config.ini' is corrupt"], ['repair_run_folder('])
def _(d, folders):
    p = copy_run(folders, 'complete', d); (p/'config.ini').write_text('expand_threshold = 0.5\n')
    yield
    load(p)

@case('metrics_missing', 'a run folder whose metrics.json was deleted', 'run folder', RunFolderError,
      ["metrics.json' is missing"], ['repair_run_folder('])
def _(d, folders):
    p = copy_run(folders, 'complete', d); (p/'metrics.json').unlink()
    yield
    load(p)

@case('run_json_missing', 'a folder of run files without run.json', 'run folder', LabFileNotFoundError,
      ['is not a dnn_lab run folder (no run.json)'], ['give a folder that `res.save` or `dnn-lab run --out` wrote'])
def _(d, folders):
    p = copy_run(folders, 'complete', d); (p/'run.json').unlink()
    yield
    load(p)

@case('model_corrupt', 'a run folder whose model.pt is garbage', 'run folder', RunFolderError,
      ["model.pt' is corrupt or truncated"], ['model=False) reads the rest', 'rerun the run'])
def _(d, folders):
    p = copy_run(folders, 'complete', d); (p/'model.pt').write_bytes(b'\x00garbage' * 10)
    yield
    load(p)

@case('model_truncated', 'a run folder whose model.pt was cut in half', 'run folder', RunFolderError,
      ["model.pt' is corrupt or truncated"], ['rerun the run'])
def _(d, folders):
    p = copy_run(folders, 'complete', d); b = (p/'model.pt').read_bytes(); (p/'model.pt').write_bytes(b[:len(b) // 2])
    yield
    load(p)

@case('model_pickled_code', 'a model.pt holding pickled Python code', 'run folder', RunFolderError,
      ["model.pt' holds pickled Python code", 'refuses to load'], ['Delete it', 'weights_only=False) unless you trust'])
def _(d, folders):
    p = copy_run(folders, 'complete', d); evil_file(p/'model.pt')
    yield
    load(p)

@case('run_json_newer', 'a run folder written by a newer dnn_lab (format 2)', 'run folder', RunFolderError,
      ['was written by a newer dnn_lab (run folder format 2'], ['upgrade dnn_lab'])
def _(d, folders):
    p = copy_run(folders, 'complete', d)
    m = json.loads((p/'run.json').read_text()); m['format'] = 2; (p/'run.json').write_text(json.dumps(m))
    yield
    load(p)

@case('checkpoint_pickled_code', 'resuming from a checkpoint.pt holding pickled Python code', 'run folder', RunFolderError,
      ["checkpoint.pt' holds pickled Python code"], ['Delete it', 'start the run again in a new folder'])
def _(d, folders):
    p = copy_run(folders, 'stopped', d); evil_file(p/'checkpoint.pt')
    yield
    resume(p)

@case('checkpoint_corrupt', 'resuming from a truncated checkpoint.pt', 'run folder', RunFolderError,
      ["checkpoint.pt' is corrupt or truncated"], ['start the run again in a new folder'])
def _(d, folders):
    p = copy_run(folders, 'stopped', d); b = (p/'checkpoint.pt').read_bytes(); (p/'checkpoint.pt').write_bytes(b[:len(b) // 3])
    yield
    resume(p)

@case('checkpoint_newer', 'resuming from a checkpoint written by a newer dnn_lab', 'run folder', RunFolderError,
      ["checkpoint.pt' was written by a newer dnn_lab"], ['upgrade dnn_lab'])
def _(d, folders):
    p = copy_run(folders, 'stopped', d)
    ck = torch.load(p/'checkpoint.pt', weights_only=True); ck['format'] = 99; torch.save(ck, p/'checkpoint.pt')
    yield
    resume(p)

@case('checkpoint_missing', 'resuming a stopped run whose checkpoint.pt was deleted', 'run folder', RunFolderError,
      ['has no checkpoint.pt, so there is nothing to resume from'], ['start the run again in a new folder'])
def _(d, folders):
    p = copy_run(folders, 'stopped', d); (p/'checkpoint.pt').unlink()
    yield
    resume(p)

@case('resume_complete', 'resuming a run that finished', 'run folder', RunFolderError,
      ['holds a complete run: there is nothing to resume'], ['RunResult.load(', 'start a new run in another folder'])
def _(d, folders):
    p = copy_run(folders, 'complete', d)
    yield
    resume(p, 'finetune')

@case('resume_other_setting', 'resuming with a changed setting (inc_lr)', 'run folder', RunFolderError,
      ["setting 'inc_lr' is 0.001 in the folder, 0.01 now"], ["resume with the folder's settings", 'drop --set inc_lr'])
def _(d, folders):
    p = copy_run(folders, 'stopped', d)
    yield
    resume(p, inc_lr=0.01)

@case('resume_other_method', 'resuming a dnn run as finetune', 'run folder', RunFolderError,
      ["holds a run of method 'dnn', not 'finetune'"], ["resume it with method 'dnn'"])
def _(d, folders):
    p = copy_run(folders, 'stopped', d)
    yield
    resume(p, 'finetune')

@case('resume_other_stream', 'resuming on another stream', 'run folder', RunFolderError,
      ['was run on another stream', "its name is 'tiny3' in the folder, 'custom' now"], ['resume it with the stream it was run on'])
def _(d, folders):
    p = copy_run(folders, 'stopped', d)
    yield
    run(stream(task(k=3), n_classes=3), 'dnn', resume=p)

@case('resume_missing_folder', 'resuming a folder that does not exist', 'run folder', LabFileNotFoundError,
      ["run folder '", "nowhere' does not exist"], ['give the folder of a stopped run'])
def _(d): resume(d/'nowhere')

@case('out_holds_user_files', "out= a folder holding the user's own files", 'run folder', LabFileExistsError,
      ['exists and is not a dnn_lab run folder'], ['choose an empty or new folder so nothing there is overwritten'])
def _(d):
    (d/'mine').mkdir(); (d/'mine'/'notes.txt').write_text('precious')
    yield
    run(stream(), out=d/'mine')

@case('out_holds_another_run', 'out= the folder of another run', 'run folder', LabFileExistsError,
      ['holds another run'], ['choose a new folder (e.g. another --out) or pass overwrite=True'])
def _(d, folders):
    p = copy_run(folders, 'complete', d)
    yield
    run(stream(), out=p)

@case('out_holds_a_stopped_run', 'out= the folder of a stopped run (instead of resume=)', 'run folder', LabFileExistsError,
      ['holds another run', 'stopped before its end'], ['resume it (resume= in Python, --resume on the command line)'])
def _(d, folders):
    p = copy_run(folders, 'stopped', d)
    yield
    run(tiny_stream(), 'dnn', out=p)

@case('out_read_only', 'out= a folder on a read-only file system (a read-only tmpfs as root, else mode 500)', 'run folder',
      LabPermissionError, ['cannot write the run folder', "ro/run'"], ['choose another folder (out= in Python, --out on the command line)'])
def _(d):
    mounted = tmpfs(d/'ro', '64k', ro=True)
    if not mounted: os.chmod(d/'ro', 0o500)
    yield
    try: run(stream(), out=d/'ro'/'run')
    finally:
        if not mounted: os.chmod(d/'ro', 0o700)

@case('disk_full', 'a disk that fills up while the run folder is written (a 16 KiB tmpfs as root, else ENOSPC injected into os.fsync)',
      'run folder', LabOSError, ['no space left on the device while writing the run folder', "small/run'"],
      ['free some space or choose another folder', 'Files written before are unchanged'])
def _(d):
    mounted = tmpfs(d/'small', '16k')
    (d/'small'/'notes.txt').write_text('the user keeps notes here')
    yield
    if mounted: run(stream(), out=d/'small'/'run'); return
    def full(fd): raise OSError(errno.ENOSPC, 'No space left on device')
    real, os.fsync = os.fsync, full
    try: run(stream(), out=d/'small'/'run')
    finally: os.fsync = real


# -- the command line (run in this process; tests/test_cli.py runs the console script itself) ------------------------
@case('cli_unknown_method', 'dnn-lab run --method ewc9', 'CLI', 'exit 2', ["unknown method 'ewc9'"], ['`dnn-lab methods` lists them'])
def _(d): return cli('run', '--method', 'ewc9', '--out', str(d/'r'))

@case('cli_set_without_value', 'dnn-lab run --set kd_weight', 'CLI', 'exit 2', ["--set expects key=value, got 'kd_weight'"],
      ['for example --set expand_threshold=0.5'])
def _(d): return cli('run', '--set', 'kd_weight', '--out', str(d/'r'))

@case('cli_set_out_of_range', 'dnn-lab run --set expand_threshold=1.5', 'CLI', 'exit 2',
      ["setting 'expand_threshold' = 1.5 is outside its range"], ['[0, 1]'])
def _(d): return cli('run', '--set', 'expand_threshold=1.5', '--out', str(d/'r'))

@case('cli_unknown_stream', 'dnn-lab run --stream imagenet:/data', 'CLI', 'exit 2', ["unknown stream source 'imagenet'"],
      ["'folder:/path'"])
def _(d): return cli('run', '--stream', 'imagenet:/data', '--out', str(d/'r'))

@case('cli_missing_dataset', 'dnn-lab stream --stream folder:/no/such/place', 'CLI', 'exit 2', ["'/no/such/place' does not exist"],
      ['expected root/<task>/'])
def _(d): return cli('stream', '--stream', 'folder:/no/such/place', '--out', str(d/'r'))

@case('cli_resume_complete', 'dnn-lab run --resume DIR of finished runs', 'CLI', 'exit 2', ['every run in', 'is complete'],
      ['Start a new run with another --out'])
def _(d, folders):
    copy_run(folders, 'complete', d)
    yield
    return cli('run', '--resume', str(d))

@case('cli_resume_empty', 'dnn-lab run --resume DIR holding no run', 'CLI', 'exit 2', ['holds no run folder'],
      ['give the --out folder of a stopped `dnn-lab run`'])
def _(d):
    (d/'empty').mkdir()
    yield
    return cli('run', '--resume', str(d/'empty'))

@case('cli_resume_with_out', 'dnn-lab run --resume DIR --out OTHER', 'CLI', 'exit 2', ['--resume continues runs in their own folders'],
      ['drop --out'])
def _(d, folders):
    p = copy_run(folders, 'stopped', d)
    yield
    return cli('run', '--resume', str(p), '--out', str(d/'other'))

@case('cli_resume_other_setting', 'dnn-lab run --resume DIR --set kd_weight=2', 'CLI', 'exit 2',
      ["setting 'kd_weight' is 1.0 in the folder, 2.0 now"], ['drop --set kd_weight'])
def _(d, folders):
    p = copy_run(folders, 'stopped', d)
    yield
    return cli('run', '--resume', str(p), '--set', 'kd_weight=2')

@case('cli_bad_plugin', 'DNN_LAB_PLUGINS naming a module that does not exist', 'CLI', 'exit 2',
      ["DNN_LAB_PLUGINS names module 'no_such_plugin'"], ['fix the name or the module'])
def _(d):
    import dnn_lab.learner as L
    old, loaded = os.environ.get('DNN_LAB_PLUGINS'), list(L._BUILTINS_LOADED)
    os.environ['DNN_LAB_PLUGINS'] = 'no_such_plugin'; L._BUILTINS_LOADED.clear()
    try: return cli('methods')
    finally:
        os.environ.pop('DNN_LAB_PLUGINS'); L._BUILTINS_LOADED[:] = loaded or [True]
        if old is not None: os.environ['DNN_LAB_PLUGINS'] = old


# -- the test ---------------------------------------------------------------------------------------------------------
def digest(d: Path) -> dict:
    return {str(p.relative_to(d)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(d.rglob('*')) if p.is_file()}

def needs_folders(c: Case) -> bool: return 'folders' in inspect.signature(c.run).parameters

def check(c: Case, d: Path, folders=None) -> dict:
    "Run case `c` in folder `d`: write its input, snapshot the folder, call the lab, check the error and message; the snapshot."
    args = (d, folders) if needs_folders(c) else (d,)
    if inspect.isgeneratorfunction(c.run):
        gen = c.run(*args); next(gen)                                 # the user's input is written
        def bad():
            try: next(gen)
            except StopIteration as e: return e.value
            raise AssertionError(f"{c.id}: the case yields twice")
    else: bad = lambda: c.run(*args)
    before = digest(d)
    if c.error == 'exit 2':
        code, err = bad()
        assert code == 2, f"{c.id}: exit status {code}, stderr {err!r}"
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith('dnn-lab: error: '), f"{c.id}: not one clear line: {err!r}"
        msg = lines[0]
    elif isinstance(c.error, type) and issubclass(c.error, Warning):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always'); bad()
        hits = [str(x.message) for x in w if issubclass(x.category, c.error)]
        assert hits, f"{c.id}: no {c.error.__name__}"
        msg = hits[0]
    else:
        with pytest.raises(LabError) as e: bad()
        assert isinstance(e.value, c.error), f"{c.id}: {type(e.value).__name__} instead of {c.error.__name__}: {e.value}"
        msg = str(e.value)
    for words in (*c.names, *c.fix): assert words in msg, f"{c.id}: {words!r} not in the message {msg!r}"
    return before


@pytest.mark.parametrize('c', CASES, ids=[c.id for c in CASES])
def test_bad_input(c: Case, tmp_path, request):
    folders = request.getfixturevalue('folders') if needs_folders(c) else None
    d = tmp_path/'user'; d.mkdir()
    (d/'my_notes.txt').write_text('a file of the user that nothing may touch')
    try:
        before = check(c, d, folders)
        after = digest(d)
    finally: unmount_all()
    changed = sorted(k for k, v in before.items() if after.get(k) != v)
    assert not changed, f"{c.id}: the user's files {changed} were changed or deleted"
    assert not [k for k in after if k.endswith('.tmp')], f"{c.id}: a temporary file was left behind"


def doc_text() -> str:
    rows = ['# Bad inputs and what the lab answers', '',
            "Every input below is tried by `tests/test_bad_inputs.py`, which checks the error, that its message names the offending "
            "thing and says the fix (the excerpt shows those words), and that no file the user had is changed or deleted. A user's "
            "mistake is a `LabError` (`dnn_lab.errors`): each subclass is also the built-in exception of the same meaning "
            "(`LabValueError` is a `ValueError`, `RunFolderError` a `LabValueError`), and the command line prints it as one line and "
            "exits with status 2; any other exception is a bug and keeps its traceback (`--debug` shows the traceback of a `LabError` "
            "too). Regenerate this file with `python tests/test_bad_inputs.py`.", '',
            f'{len(CASES)} inputs.', '',
            '| # | input | where | error | message excerpt |', '|---|---|---|---|---|']
    for i, c in enumerate(CASES, 1):
        ex = ' … '.join((*c.names, c.fix[0])).replace('|', '&#124;')
        rows.append(f"| {i} | {c.input.replace('|', '&#124;')} | {c.where} | `{c.error_name}` | {ex} |")
    return '\n'.join(rows) + '\n'


def test_doc_lists_every_case():
    assert len(CASES) >= 30
    assert DOC.read_text() == doc_text(), "docs/bad_inputs.md is out of date: run `python tests/test_bad_inputs.py`"


if __name__ == '__main__':
    DOC.write_text(doc_text()); print(f'{DOC}: {len(CASES)} cases')
