"""aiomame's private runtime directories (one per MAME: its socket, frames file, cfg/):
made 0700 under :func:`runtime_base`, marked with the owning process, and swept when that
process is gone (a Python killed by SIGKILL cannot remove its own).

Each directory holds ``owner``: the owning process's pid and its start time (from
``/proc/PID/stat``), so that a reused pid is not taken for the owner. A sweep removes only
directories of this user whose owner file names a process that no longer exists; it never
touches another user's directory, a live process's, or one without an owner file.
"""

from __future__ import annotations

import os
import shutil
import tempfile

PREFIX = "aiomame-"
OWNER_FILE = "owner"
_swept: set[str] = set()


def runtime_base() -> str:
    """Where private per-process directories go: $AIOMAME_RUNTIME_DIR, else /dev/shm (RAM)
    if usable, else the temporary directory."""
    if os.environ.get("AIOMAME_RUNTIME_DIR"):
        return os.environ["AIOMAME_RUNTIME_DIR"]
    if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK | os.X_OK):
        return "/dev/shm"
    return tempfile.gettempdir()


def start_time(pid: int) -> str | None:
    """Process ``pid``'s start time in clock ticks since boot, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def make_private_dir() -> str:
    """A new 0700 directory for one MAME, marked as this process's. The first one made in
    a process (per base) sweeps the stale directories of dead processes first."""
    base = runtime_base()
    if base not in _swept:
        _swept.add(base)
        sweep_stale(base)
    path = tempfile.mkdtemp(prefix=PREFIX, dir=base)
    with open(os.path.join(path, OWNER_FILE), "w") as f:
        f.write(f"{os.getpid()} {start_time(os.getpid())}\n")
    return path


def sweep_stale(base: str) -> list[str]:
    """Remove this user's aiomame directories in ``base`` whose owner has exited; the paths
    removed."""
    removed = []
    try:
        entries = list(os.scandir(base))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(PREFIX) or not entry.is_dir(follow_symlinks=False):
            continue
        try:
            if entry.stat(follow_symlinks=False).st_uid != os.getuid():
                continue  # another user's
            with open(os.path.join(entry.path, OWNER_FILE)) as f:
                pid_text, started = f.read().split()
            pid = int(pid_text)
        except (OSError, ValueError):
            continue  # no owner file (being made, or not ours to judge)
        if pid == os.getpid() or start_time(pid) == started:
            continue  # alive
        shutil.rmtree(entry.path, ignore_errors=True)
        removed.append(entry.path)
    return removed
