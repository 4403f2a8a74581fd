"""What the export commands share: writing a file so that a failed export leaves nothing half-written."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from django.core.management.base import CommandError


def write_in_place(path: Path, chunks: Iterable[str]) -> None:
    """Write beside `path`, then move the file into place: a failed export leaves no half-written bundle behind."""
    if path.is_dir():
        raise CommandError(f"Cannot write {path}: it is a directory.")
    try:
        handle = tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", delete=False)
    except OSError as error:
        raise CommandError(f"Cannot write {path}: {error.strerror}.") from error
    try:
        with handle:
            for chunk in chunks:
                handle.write(chunk)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(handle.name, 0o666 & ~umask)  # as an ordinary new file, not the temporary file's owner-only mode
        os.replace(handle.name, path)
    except OSError as error:
        raise CommandError(f"Cannot write {path}: {error.strerror}.") from error
    finally:
        Path(handle.name).unlink(missing_ok=True)


def write_to_stdout(stdout, chunks: Iterable[str]) -> None:
    """Stream to standard output; a reader that stops early (`| head`) ends the export quietly."""
    try:
        for chunk in chunks:
            stdout.write(chunk, ending="")
        stdout.flush()
    except BrokenPipeError:
        # Point stdout at /dev/null so Python's own flush at exit does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
