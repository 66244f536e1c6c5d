"""The index this process searches: `current` is a symlink to the folder in use.

A rebuild writes a new folder and swaps the link atomically, so a crash mid-build leaves the
old index serving. Readers notice a swap, or an append to the current folder, by a stat() of
meta.json and reopen it. A folder built by another embedding model than the configured one is
refused until `reindex` rebuilds it.
"""

import os
import shutil
import threading
from pathlib import Path

from django.conf import settings

from .embeddings import model_name
from .folder import IndexFolder, IndexMissing


def root() -> Path:
    return Path(settings.SEARCH_INDEX_DIR)


def current_link() -> Path:
    return root() / "current"


class CurrentIndex:
    """The folder `current` points at, opened once per process and reopened when meta.json
    or the link change. A lock keeps threads from opening it twice at once."""

    def __init__(self):
        self.lock = threading.Lock()
        self.folder: IndexFolder | None = None
        self.stamp = None

    def get(self) -> IndexFolder:
        link = current_link()
        try:
            target = os.readlink(link)
            stamp = (target, (link / "meta.json").stat().st_mtime_ns)
        except OSError as error:
            raise IndexMissing("no search index yet: run `dailypapers reindex`") from error
        if stamp != self.stamp:
            with self.lock:
                if stamp != self.stamp:
                    self.folder = _same_model(IndexFolder(link.parent / target))
                    self.stamp = stamp
        return self.folder

    def reload(self) -> IndexFolder:
        """Reopen the current folder now, even if nothing seems to have changed."""
        self.forget()
        return self.get()

    def forget(self) -> None:
        """Close what is open: the next get() opens whatever SEARCH_INDEX_DIR then holds."""
        with self.lock:
            self.folder, self.stamp = None, None

    def swap_in(self, folder: Path) -> None:
        """Point `current` at folder atomically, then remove the older builds no longer in
        use. Readers, this process included, open it on their next get()."""
        link = current_link()
        tmp = link.with_name(f".current.{os.getpid()}")
        if tmp.is_symlink():
            tmp.unlink()
        os.symlink(folder.name, tmp)
        os.replace(tmp, link)
        for old in root().glob("build-*"):
            if old.name < folder.name:  # older builds; a newer one may be under way
                shutil.rmtree(old, ignore_errors=True)


def _same_model(folder: IndexFolder) -> IndexFolder:
    """Query vectors and appended rows must come from the model that built the folder."""
    configured = model_name(settings.SEARCH_EMBEDDING_MODEL)
    if folder.meta["model"] != configured:
        raise IndexMissing(
            f"the search index was built with the embedding model {folder.meta['model']}, "
            f"but DAILYPAPERS_EMBEDDING_MODEL is now {configured}: run `dailypapers reindex`"
        )
    return folder


open_index = CurrentIndex()
