"""Our temporary files: recognisable names, and the rule that removes the ones a killed run left behind.

Name: ``.<target name, at most 64 characters>.<host>-<pid>-<random>.tmp`` beside the target (``<host>``: 8 hex
digits of a hash of this machine's host name, ``<pid>``: the writing process). Journals of the weight folder
use ``.journal.<host>-<pid>-<random>.json`` (see om/weight_files.py).

Stale rule (`owner_gone`): a file with our name is left over when its writer is provably dead, i.e. it was
written on this host by another process id and no process with that id exists now; or, whatever its host,
when it has not been modified for STALE_AGE (24 h: a writer streams into its file, so a live one touches it
far more often). A live process that reuses the id keeps the file until the age rule applies. Nothing that
does not match our patterns is ever removed. `sweep_stale` applies the rule to a folder the first time this
process writes there."""
from __future__ import annotations

import hashlib
import os
import re
import secrets
import socket
import time

STALE_AGE = 24 * 3600
MAX_BASE = 64
_TAG = r"(?P<host>[0-9a-f]{8})-(?P<pid>[0-9]{1,10})-[0-9a-f]{8}"
TEMP_RE = re.compile(r"^\.(?P<base>.+)\." + _TAG + r"\.tmp$", re.S)
JOURNAL_RE = re.compile(r"^\.journal\." + _TAG + r"\.json$")
HOST = hashlib.sha256(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]
_swept: set = set()


def tag() -> str:
    """``<host>-<pid>-<random>``: who writes a temporary file (see the stale rule)."""
    return f"{HOST}-{os.getpid()}-{secrets.token_hex(4)}"


def temp_name(target_name: str) -> str:
    return f".{target_name[:MAX_BASE]}.{tag()}.tmp"


def journal_name() -> str:
    return f".journal.{tag()}.json"


def _pid_alive(pid: int) -> bool:
    if os.name != "posix":  # os.kill would terminate the process on Windows: never probe there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True
    return True


def owner_gone(match: re.Match, path: str, now: float | None = None) -> bool:
    """Whether the writer of ``path`` (whose name matched TEMP_RE or JOURNAL_RE) is provably gone."""
    pid = int(match.group("pid"))
    if match.group("host") == HOST and pid != os.getpid() and not _pid_alive(pid):
        return True
    try:
        age = (time.time() if now is None else now) - os.lstat(path).st_mtime
    except OSError:
        return False
    return age > STALE_AGE


def sweep_stale(folder: str, force: bool = False) -> list:
    """Remove the temporary files of ours in ``folder`` whose writers are gone (once per folder and process
    unless ``force``); returns the names removed."""
    key = os.path.realpath(folder)
    if key in _swept and not force:
        return []
    _swept.add(key)
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        m = TEMP_RE.match(entry.name)
        if m is None or not entry.is_file(follow_symlinks=False) or not owner_gone(m, entry.path):
            continue
        try:
            os.unlink(entry.path)
            removed.append(entry.name)
        except OSError:
            pass
    return removed
