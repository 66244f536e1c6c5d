"""Saved inputs on disk: detects the format (gzip or not) and reads records from it."""

import gzip
import io
import json
import os
import re
import zlib
from collections.abc import Iterator
from pathlib import Path

from ..records import PaperRecord, Rejected
from .atom import parse_atom
from .oai import parse_oai
from .snapshot import read_json_array, read_snapshot_lines
from .xml import MalformedInput

FORMATS = "arXiv snapshot JSON Lines, a JSON array of papers, an API Atom feed or an OAI-PMH page"
_FIRST_ELEMENT = re.compile(rb"<([A-Za-z_][\w.:-]*)")


class InputFile:
    """One file being imported; knows its format and how far through it the reader is."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        try:
            self._raw = open(self.path, "rb")  # noqa: SIM115 - closed by close()
        except OSError as error:
            raise MalformedInput(f"{self.path}: cannot open: {error.strerror}") from error
        self.size = os.fstat(self._raw.fileno()).st_size
        is_gzip = self._raw.read(2) == b"\x1f\x8b"
        self._raw.seek(0)
        self._stream = io.BufferedReader(gzip.GzipFile(fileobj=self._raw) if is_gzip else self._raw)
        try:
            self.format = self._detect()
        except (OSError, EOFError) as error:
            self.close()
            raise MalformedInput(f"{self.path}: unreadable: {error}") from error

    def position(self) -> int:
        """Bytes of the file on disk consumed so far (compressed bytes for gzip)."""
        return self._raw.tell() if not self._raw.closed else self.size

    def close(self) -> None:
        self._raw.close()

    def __enter__(self) -> "InputFile":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _detect(self) -> str:
        head = self._stream.peek(4096)[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
        if head.startswith(b"{"):
            return "snapshot"
        if head.startswith(b"["):
            return "json-array"
        if head.startswith(b"<"):
            match = _FIRST_ELEMENT.search(head)
            name = match.group(1).split(b":")[-1] if match else b""
            if name == b"feed":
                return "atom"
            if name == b"OAI-PMH":
                return "oai"
        raise MalformedInput(f"{self.path}: unrecognised format; expected {FORMATS}")

    def items(self) -> Iterator[PaperRecord | Rejected]:
        where = str(self.path)
        try:
            if self.format == "snapshot":
                yield from read_snapshot_lines(self._stream, where)
            elif self.format == "json-array":
                yield from read_json_array(self._load_json(), where)
            elif self.format == "atom":
                page = parse_atom(self._stream.read(), where)
                yield from page.items
                yield from (Rejected(where, f"arXiv error entry: {e}") for e in page.errors)
            else:
                page = parse_oai(self._stream.read(), where)
                if page.error_code and page.error_code != "noRecordsMatch":
                    raise MalformedInput(
                        f"{where}: OAI-PMH error {page.error_code}: {page.error_message}"
                    )
                yield from page.items
        except (OSError, EOFError, zlib.error) as error:
            raise MalformedInput(f"{where}: unreadable: {error}") from error

    def _load_json(self) -> list:
        try:
            items = json.loads(self._stream.read().decode("utf-8"))
        except UnicodeDecodeError as error:
            raise MalformedInput(
                f"{self.path}: not UTF-8 text (byte {error.start + 1}); JSON must be UTF-8"
            ) from error
        except ValueError as error:
            raise MalformedInput(f"{self.path}: malformed JSON: {error}") from error
        except RecursionError as error:
            raise MalformedInput(f"{self.path}: malformed JSON: nested too deeply") from error
        if not isinstance(items, list):
            raise MalformedInput(f"{self.path}: expected a JSON array of papers")
        return items
