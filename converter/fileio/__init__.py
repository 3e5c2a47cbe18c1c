"""Files we read and files we write.

Read: `require_file` (a file named on the command line must exist), `read_text` (a text file named on the
command line: E13001/E13003), `resolve_inside` (a path read from a model file must stay inside the model's
folder) and `parse_json` (JSON nested too deeply is malformed JSON, not a RecursionError). Write: `atomic_write` / `write_text_atomic` (temporary file
beside the target, fsync, rename, folder fsync; nothing partial on any failure; mode decided by the umask),
`output_folder` (a folder named on the command line), `folder_lock`, and the naming and clean-up of our
temporary files (`temp_files`)."""
from __future__ import annotations

from .atomic import atomic_write, output_folder, write_bytes_atomic, write_text_atomic
from .inputs import parse_json, read_text, require_file, resolve_inside
from .locks import folder_lock

__all__ = ["atomic_write", "folder_lock", "output_folder", "parse_json", "read_text", "require_file", "resolve_inside",
           "write_bytes_atomic", "write_text_atomic"]
