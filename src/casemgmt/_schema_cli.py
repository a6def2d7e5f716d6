"""The work behind ``casemgmt schema [KIND]``: print the JSON Schema of the documents.

The command line itself (options, help) is in :mod:`casemgmt.cli`; this module writes the
schema (:func:`casemgmt.serialization.json_schema`) as indented JSON.

>>> import io
>>> out, err = io.StringIO(), io.StringIO()
>>> schema_command("goal", out=out, err=err), out.getvalue().splitlines()[1]
(0, '  "$schema": "https://json-schema.org/draft/2020-12/schema",')
>>> schema_command("no-such-kind", out=out, err=err), err.getvalue().split(";")[0]
(2, "casemgmt: schema: unknown document kind 'no-such-kind'")
"""

from __future__ import annotations

import json
from typing import TextIO

from casemgmt.serialization import json_schema

__all__ = ["schema_command"]


def schema_command(kind: str | None, *, out: TextIO, err: TextIO) -> int:
    """Print the schema of ``kind`` documents, or of any document when ``kind`` is ``None``.

    Args:
        kind: A document kind, or ``None`` for the schema that accepts every kind.
        out: Where the schema goes, as JSON indented by two spaces and a final newline.
        err: Where an unknown kind is reported (with the list of kinds).

    Returns:
        0 when the schema was printed; 2 for an unknown kind (a usage error).
    """
    try:
        schema = json_schema(kind)
    except ValueError as error:
        print(f"casemgmt: schema: {error}", file=err)
        return 2
    out.write(json.dumps(schema, indent=2, ensure_ascii=False))
    out.write("\n")
    return 0
