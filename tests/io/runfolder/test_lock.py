"""One writer per output folder: a second one is refused, a dead one's lock is taken over."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from allocate.core.errors import InputError
from allocate.io.runfolder import folder_lock, lock_path


def test_a_second_writer_is_refused_with_the_first_ones_pid(tmp_path: Path) -> None:
    out = tmp_path / "batch"
    with folder_lock(out) as path:
        assert path == lock_path(out) and path.parent == tmp_path and path.name == ".batch.lock"
        assert path.read_text().split()[0] == str(os.getpid())
        with pytest.raises(InputError) as err, folder_lock(out):
            pass
        message = str(err.value.problems[0])
        assert f"pid {os.getpid()}" in message and str(out) in message and "another allocate run" in message
    assert not path.exists()  # released
    with folder_lock(out):  # and free again
        pass


def test_a_lock_held_by_another_process_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "batch"
    code = (
        "import sys, time; from pathlib import Path; from allocate.io.runfolder import folder_lock\n"
        f"with folder_lock(Path({str(out)!r})):\n    print('locked', flush=True); sys.stdin.read()\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(InputError, match=f"pid {holder.pid}"), folder_lock(out):
            pass
    finally:
        holder.kill()
        holder.wait()
    # killed without releasing: the file is still there, but its lock died with the process
    assert lock_path(out).exists()
    with folder_lock(out) as path:
        assert path.read_text().split()[0] == str(os.getpid())
