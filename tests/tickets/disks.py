"""A real, tiny file system to fill: tmpfs, mounted for one test (as root)."""

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def tiny_file_system(root: Path, size: str = "64k") -> Iterator[Path]:
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(root)], check=True
    )
    try:
        yield root
    finally:
        subprocess.run(["umount", str(root)], check=True)
