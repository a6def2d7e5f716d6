"""Input handling shared by the commands that read one document: an error that carries
every problem (none holding a value read from the file) and the reading itself."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import NoReturn, TypeVar

from casemgmt.errors import DocumentError
from casemgmt.serialization import load_json

T = TypeVar("T")


class InputError(Exception):
    """An input (or output) that cannot be used: one message per problem, and the file it
    concerns when that is not the document being read."""

    def __init__(self, messages: Iterable[str], file: str | None = None) -> None:
        self.messages = tuple(messages)
        self.file = file
        super().__init__("; ".join(self.messages))


def fail(message: str, file: str | None = None) -> NoReturn:
    """Raise an :class:`InputError` with one message."""
    raise InputError([message], file)


def read_document(kind: type[T], file: str) -> T:
    """Load ``file`` as a document of ``kind``; every problem becomes a message."""
    try:
        data = Path(file).read_bytes()
    except OSError as error:
        fail(f"cannot read the file ({error.strerror or type(error).__name__})")
    try:
        return load_json(kind, data)
    except DocumentError as error:
        raise InputError(str(p) for p in error.problems) from None
    except RecursionError:
        fail("$: is nested too deeply to load")
