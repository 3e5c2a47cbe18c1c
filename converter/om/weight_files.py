"""The `weight/` folder beside .om files (--external_weight=1): how weight files are written, shared by the
models of one folder, and cleaned up, so that writing one model never changes what another computes.

Rules (a conversion into folder F writing F/m.om):
1. Content names. A weight file is named after the SHA-256 of its bytes (``weight_<hex>``, as ATC does): a
   name always stands for the same bytes, so models and constants that share a file need exactly those
   bytes, and names never collide whatever the op names are. An existing file is reused only when its bytes
   hash to its name; otherwise it is rewritten (restoring what its name promises).
2. Lock. The whole publication runs under an exclusive lock on F (fileio.folder_lock), so two conversions
   into F never interleave their steps.
3. Journal. Before the first new weight file is created, a journal ``weight/.journal.<host>-<pid>-<rand>.json``
   is written (fsync) listing the files this run creates (absent before) and the weight files the previous
   F/m.om references (``release``). Weight files, then the .om, are written atomically (temporary file,
   fsync, rename); the rename of m.om publishes the new version, so until then the old m.om with its
   untouched files computes what it did.
4. Clean-up. A file listed in a journal is deleted when no offline model in F references it; then the
   journal is deleted. This runs at the end of every publication (success, failure such as E13004, Ctrl-C)
   and, for a journal whose writer is gone (fileio.temp_files stale rule) because it was killed, at the
   start of the next conversion into F. "Offline models in F": every file directly in F (whatever its name,
   .bak too) that starts with the .om magic; a FileConstant of one references the file its location or
   file_path resolves to. Only models directly in F can reference F/weight/ (paths must stay inside the
   model's folder). When a model in F cannot be read, nothing is deleted. Files never listed in a journal
   (the user's own, other tools') are never deleted.
So: files of the previous m.om that the new one no longer uses go once m.om is replaced; files of a failed
or killed conversion go unless some model uses them; a file another model uses is never removed.
Limits: a file kept because another model used it stays when that model is later deleted by hand (no journal
lists it any more); without flock (Windows, some network file systems) concurrent conversions into one
folder are not serialised."""
from __future__ import annotations

import hashlib
import json
import os

from ..errors import ConverterError
from ..fileio import atomic_write, parse_json, write_text_atomic
from ..fileio.atomic import fsync_folder, write_error
from ..fileio.temp_files import JOURNAL_RE, TEMP_RE, journal_name, owner_gone, sweep_stale
from ..ir.weights import pieces
from .attrs import from_attr
from .container import MAGIC, PartitionType, read_om_file
from .external_weights import FILE_PREFIX, WEIGHT_DIR, file_constant_path
from .reader import parse_model_def

CHUNK = 1 << 24
_MAGIC_BYTES = MAGIC.to_bytes(4, "little")


class UnknownReferences(Exception):
    """A model in the folder could not be read: which weight files it uses is unknown."""


def _model_refs(path: str, folder: str) -> set:
    """Resolved paths of the weight files the offline model at ``path`` references."""
    try:
        om = read_om_file(path)
        refs = set()
        for block in om.models:
            if PartitionType.MODEL_DEF not in block:
                continue
            model = parse_model_def(block[PartitionType.MODEL_DEF], path)
            for graph in model.graph:
                for op in graph.op:
                    if op.type != "FileConstant":
                        continue
                    attrs = {k: from_attr(op.attr[k]) for k in ("location", "file_path") if k in op.attr}
                    try:
                        refs.add(file_constant_path(folder, attrs, op.name))
                    except ConverterError:
                        continue  # a path that cannot be read references nothing
        return refs
    except ConverterError as exc:
        raise UnknownReferences(str(exc)) from None


def _is_model(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(4) == _MAGIC_BYTES
    except OSError:
        return False


def folder_refs(folder: str) -> set:
    """Resolved paths of every weight file that an offline model directly in ``folder`` references."""
    refs = set()
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if TEMP_RE.match(entry.name) or not entry.is_file() or not _is_model(entry.path):
            continue
        refs |= _model_refs(entry.path, folder)
    return refs


def _holds(path: str, name: str, size: int) -> bool:
    """Whether the file at ``path`` holds ``size`` bytes that hash to ``name``."""
    try:
        if not os.path.isfile(path) or os.path.getsize(path) != size:
            return False
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(CHUNK), b""):
                digest.update(block)
    except OSError:
        return False
    return name == FILE_PREFIX + digest.hexdigest()


class WeightStore:
    """One publication of an .om (rules 2-4 of the module docstring): a context manager around writing the
    weight files (``write``) and the .om, used under ``fileio.folder_lock`` of the .om's folder (publish.py)."""

    def __init__(self, om_path: str):
        self.om_path = os.path.abspath(om_path)
        self.folder = os.path.dirname(self.om_path)
        self.weight_dir = os.path.join(self.folder, WEIGHT_DIR)
        self.release: list = []
        self.created: list = []
        self.journal: str | None = None
        self.made_dir = False

    # ---- context -------------------------------------------------------------------------------------
    def __enter__(self):
        if os.path.isdir(self.weight_dir):
            self.recover()
            self.release = self._previous_refs()
            if self.release:
                self._write_journal()
        return self

    def __exit__(self, *exc) -> None:
        if self.journal is not None:
            self.clean_up(self.journal)
        if self.made_dir:
            try:
                os.rmdir(self.weight_dir)  # only when empty: the run that made it failed
            except OSError:
                pass

    def _previous_refs(self) -> list:
        """Names of the files in weight/ that the current version of the .om references."""
        if not os.path.isfile(self.om_path) or not _is_model(self.om_path):
            return []
        try:
            refs = _model_refs(self.om_path, self.folder)
        except UnknownReferences:
            return []
        real_dir = os.path.realpath(self.weight_dir)
        return sorted(os.path.basename(r) for r in refs if os.path.dirname(r) == real_dir)

    # ---- writing ---------------------------------------------------------------------------------------
    def _write_journal(self) -> None:
        if self.journal is None:
            self.journal = os.path.join(self.weight_dir, journal_name())
        text = json.dumps({"model": os.path.basename(self.om_path), "created": self.created,
                           "release": self.release}, indent=1)
        write_text_atomic(self.journal, text, option="--external_weight")

    def write(self, files: dict) -> None:
        """Make ``weight/<name>`` hold ``data`` for every name -> data of ``files`` (content names, rule 1):
        equal files already there are reused, the others written; the journal lists the new ones first."""
        todo = {name: data for name, data in files.items()
                if not _holds(os.path.join(self.weight_dir, name), name, data.nbytes)}
        if not todo:
            return
        try:
            self.made_dir = not os.path.isdir(self.weight_dir)
            os.makedirs(self.weight_dir, exist_ok=True)
        except OSError as exc:
            raise write_error(self.weight_dir, exc, "--external_weight") from None
        self.created = sorted(n for n in todo if not os.path.lexists(os.path.join(self.weight_dir, n)))
        if self.created:
            self._write_journal()  # listed before they exist: a killed run's files are found and removed
        for name in sorted(todo):
            data = todo[name]
            with atomic_write(os.path.join(self.weight_dir, name), option="--external_weight",
                              sync_folder=False) as f:
                for _, piece in pieces(data, CHUNK):   # pages of a memory-mapped weight given back as written
                    f.write(piece)
        fsync_folder(self.weight_dir)  # the renames are durable before the .om's rename publishes them

    # ---- clean-up ----------------------------------------------------------------------------------------
    def recover(self) -> None:
        """Apply rule 4 to the journals of killed runs and remove their temporary files."""
        sweep_stale(self.weight_dir, force=True)
        try:
            entries = sorted(os.scandir(self.weight_dir), key=lambda e: e.name)
        except OSError:
            return  # an unreadable weight/ folder: writing into it fails later with E13004
        for entry in entries:
            m = JOURNAL_RE.match(entry.name)
            if m is not None and entry.path != self.journal and owner_gone(m, entry.path):
                self.clean_up(entry.path)

    def clean_up(self, journal: str) -> None:
        """Delete the files ``journal`` lists that no model in the folder references, then the journal."""
        try:
            with open(journal, encoding="utf-8") as f:
                record = parse_json(f.read())
            listed = [n for key in ("created", "release") for n in record.get(key, [])]
        except (OSError, ValueError, AttributeError, TypeError):
            listed = []
        names = sorted({n for n in listed if isinstance(n, str) and n and os.path.basename(n) == n
                        and n not in (".", "..") and not n.startswith(".")})
        if names:
            try:
                refs = folder_refs(self.folder)
            except (UnknownReferences, OSError):
                names = []  # some model cannot be read: keep every file
            real_dir = os.path.realpath(self.weight_dir)
            for name in names:
                path = os.path.join(self.weight_dir, name)
                if os.path.join(real_dir, name) in refs or os.path.realpath(path) in refs:
                    continue
                try:
                    if os.path.isfile(path) or os.path.islink(path):
                        os.unlink(path)
                except OSError:
                    pass
        try:
            os.unlink(journal)
        except OSError:
            pass
        fsync_folder(self.weight_dir)
        if journal == self.journal:
            self.journal = None
