"""The thumbnail files under DAILYPAPERS_HOME/media/thumbnails/: their names, and the one
way they are written (a temporary file renamed into place, so a reader or a killed run never
sees half an image)."""

import os
import re
from pathlib import Path

from django.conf import settings
from PIL import Image, UnidentifiedImageError

FOLDER = "thumbnails"
# What a thumbnail's name may look like: a versioned arXiv id (old-style ids keep their
# archive as a folder, e.g. hep-th/9901001v2) and a width. The view serves nothing else.
NAME = re.compile(r"(?:[a-z][A-Za-z.-]*/\d{7}|\d{4}\.\d{4,5})(?:v\d+)?-\d{2,4}\.webp")
# Temporary files are named "<name>.<pid>.part": a run removes those of processes gone.
_TEMPORARY = re.compile(r"\.(\d+)\.part")


def folder() -> Path:
    return Path(settings.MEDIA_ROOT) / FOLDER


def name(drawn_id: str, width: int) -> str:
    return f"{drawn_id}-{width}.webp"


def path(drawn_id: str, width: int) -> Path:
    return folder() / name(drawn_id, width)


def write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f"{target.name}.{os.getpid()}.part")
    with open(temporary, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, target)


def remove_leftovers() -> int:
    """Temporary files of killed runs (they never held a served name); a running one's stay."""
    removed = 0
    for leftover in folder().rglob("*.part"):
        match = _TEMPORARY.search(leftover.name)
        if match and not _running(int(match.group(1))):
            leftover.unlink(missing_ok=True)
            removed += 1
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def image_size(target: Path) -> tuple[int, int] | None:
    """Width and height of an image already in place (its header only), or None."""
    try:
        with Image.open(target) as image:
            return image.size
    except (FileNotFoundError, UnidentifiedImageError):
        return None
