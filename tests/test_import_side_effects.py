"""Importing the lab has no side effects (issue 13): importing `dnn_lab` and every submodule (dnn_lab.methods.* too)
opens no network connection, reads no file of the user's (the current folder, $DNN_LAB_SETTINGS, even one that does not
exist), and leaves torch's, numpy's and Python's random generators where they were. Checked in a fresh process, with
socket.socket replaced by a class that refuses to be created and an audit hook that records every file opened and every
connection attempted."""
import json, os, subprocess, sys, textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = textwrap.dedent('''
    import json, os, sys, socket
    opened, connects = [], []
    user = [os.path.realpath(os.getcwd()), os.environ['DNN_LAB_SETTINGS']]
    def audit(event, args):
        if event == 'open' and isinstance(args[0], (str, bytes, os.PathLike)):
            p = os.path.realpath(os.fsdecode(args[0]))
            if os.path.basename(p).startswith('__editable__'): return     # the import system probing an editable install's path-hook entry of sys.path
            if any(p == u or p.startswith(u + os.sep) for u in user): opened.append(p)
        elif event.startswith('socket.') and event in ('socket.connect', 'socket.getaddrinfo', 'socket.sendto', 'socket.bind'):
            connects.append(f'{event} {args[1:]!r}')
    sys.addaudithook(audit)
    class NoSocket(socket.socket):
        def __init__(self, *a, **k): raise AssertionError('a socket was created while importing')
    socket.socket = NoSocket
    import random, numpy as np, torch
    t0, n0, r0 = torch.get_rng_state().clone(), np.random.get_state()[1].copy(), random.getstate()
    import importlib, pkgutil, dnn_lab
    names = sorted(m.name for m in pkgutil.walk_packages(dnn_lab.__path__, 'dnn_lab.'))
    for n in names: importlib.import_module(n)
    print(json.dumps(dict(modules=names, opened=opened, connects=connects,
                          torch_rng=torch.equal(t0, torch.get_rng_state()), numpy_rng=bool((n0 == np.random.get_state()[1]).all()),
                          random_rng=r0 == random.getstate())))
''')


def test_import_has_no_side_effects(tmp_path):
    cwd = tmp_path/'work'; cwd.mkdir()
    (cwd/'settings.ini').write_text('[dnn]\nexpand_threshold = 0.3\n')           # a user's files in the current folder
    (cwd/'runs').mkdir()
    env = {**os.environ, 'PYTHONPATH': str(ROOT), 'DNN_LAB_SETTINGS': str(cwd/'missing.ini'), 'DNN_LAB_PLUGINS': 'no_such_plugin',
           'MPLCONFIGDIR': str(tmp_path/'mpl')}      # matplotlib's own cache, not the user's files
    r = subprocess.run([sys.executable, '-c', SCRIPT], capture_output=True, text=True, cwd=cwd, env=env, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert {'dnn_lab.run', 'dnn_lab.cli', 'dnn_lab.widgets', 'dnn_lab.errors'} <= set(out['modules'])
    assert out['opened'] == [], f"importing read the user's files {out['opened']}"
    assert out['connects'] == [], f"importing touched the network: {out['connects']}"
    assert out['torch_rng'] and out['numpy_rng'] and out['random_rng'], f"importing moved a global RNG: {out}"
