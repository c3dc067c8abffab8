"""aiomame's private runtime directories (one per MAME: its socket, frames file, cfg/):
made 0700 under :func:`runtime_base`, marked with the owning process, and swept when that
process is gone (a Python killed by SIGKILL cannot remove its own).

Each directory holds ``owner``: the owning process's pid and its start time (from
``/proc/PID/stat``), so that a reused pid is not taken for the owner. A sweep removes only
directories of this user whose owner file names a process that no longer exists; it never
touches another user's directory, a live process's, or one without an owner file.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile

from ..errors import RuntimeDirError

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
    try:
        if not os.path.lexists(base):
            os.makedirs(base, mode=0o700, exist_ok=True)
        path = tempfile.mkdtemp(prefix=PREFIX, dir=base)
    except OSError as exc:
        raise _unusable(base, exc) from exc
    try:
        with open(os.path.join(path, OWNER_FILE), "w") as f:
            f.write(f"{os.getpid()} {start_time(os.getpid())}\n")
    except OSError as exc:
        shutil.rmtree(path, ignore_errors=True)
        raise _unusable(base, exc, needed=4096) from exc
    return path


def reserve(path: str, nbytes: int) -> None:
    """Allocate ``nbytes`` for file ``path`` in a private directory now, so that a full
    runtime directory is a :class:`RuntimeDirError` at start, not a failed write later."""
    if nbytes <= 0:
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        os.posix_fallocate(fd, 0, nbytes)
    except OSError as exc:
        if exc.errno in (errno.EOPNOTSUPP, errno.EINVAL):
            return  # the file system cannot reserve: the first write will tell
        raise _unusable(os.path.dirname(os.path.dirname(path)), exc, needed=nbytes) from exc
    finally:
        os.close(fd)


def free_bytes(path: str) -> int | None:
    """Bytes an unprivileged user may still write in ``path``'s file system (None: unknown)."""
    try:
        st = os.statvfs(path)
    except OSError:
        return None
    return st.f_bavail * st.f_frsize


def _unusable(base: str, exc: OSError, needed: int | None = None) -> RuntimeDirError:
    """The error for a runtime directory ``base`` that failed with ``exc``."""
    where = (f"aiomame's runtime directory {base!r} "
             f"({'$AIOMAME_RUNTIME_DIR' if os.environ.get('AIOMAME_RUNTIME_DIR') else 'default'})")
    fix = "set AIOMAME_RUNTIME_DIR to a writable directory with room (e.g. under /tmp)"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        free = free_bytes(base)
        shown = "unknown" if free is None else f"{free:,}"
        return RuntimeDirError(
            f"{where} is full: a MAME needs {needed or 0:,} bytes there, {shown} are free "
            f"({exc.strerror}); free space there or {fix}",
            path=base, needed=needed, free=free)
    if exc.errno == errno.EROFS:
        why = "is on a read-only file system"
    elif exc.errno in (errno.ENOTDIR, errno.EEXIST) or (
            os.path.lexists(base) and not os.path.isdir(base)):
        why = "is not a directory (or lies under a file)"
    elif not os.path.lexists(base):
        why = f"does not exist and cannot be created ({exc.strerror})"
    else:
        why = f"cannot be written ({exc.strerror})"
    return RuntimeDirError(f"{where} {why}: {fix}", path=base)


def sweep_stale(base: str) -> list[str]:
    """Remove this user's aiomame directories in ``base`` whose owner has exited; the paths
    removed."""
    removed: list[str] = []
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
