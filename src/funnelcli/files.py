"""Files we write beside another: never by a predictable name, made durable.

Shared by the store (the database's copies) and render (the export file).
"""

from __future__ import annotations

import os
from pathlib import Path


def temp_beside(target: Path) -> tuple[int, Path]:
    """A new private file in target's directory, `.NAME.<random>.part`: (its open
    descriptor, its path). It is renamed onto `target` when complete."""
    import tempfile

    # the name cut short, so a target name of any legal length leaves room
    # for the dot, the random part and the suffix (255 bytes in all)
    short = target.name.encode()[:200].decode(errors="ignore")
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{short}.", suffix=".part")
    return fd, Path(name)


def sync_dir(directory: Path) -> None:
    """Make a rename in `directory` durable (where the system allows)."""
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
