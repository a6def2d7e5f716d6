"""Checking a bundle against the published FHIR structure, with ``fhir.resources``."""

from __future__ import annotations

from typing import Any

from casemgmt.errors import DocumentError, Problem

__all__ = ["validate_bundle"]


def validate_bundle(bundle: dict[str, Any]) -> None:
    """Check ``bundle`` against the FHIR R4B models of ``fhir.resources`` (R4B has the same
    structure as R4 for every resource we write): element names, cardinalities, primitive
    formats and required elements. It does not check FHIRPath invariants or terminology.

    Needs the ``fhir`` extra (``pip install 'casemgmt[fhir]'``).

    Raises:
        DocumentError: of kind ``fhir-bundle``, one problem per element at fault, with its
            path (``Bundle.entry[3].resource.status``) and the kind of fault; no value from
            the bundle is repeated.
        ModuleNotFoundError: when ``fhir.resources`` is not installed.
    """
    from fhir.resources.R4B.bundle import Bundle
    from pydantic import ValidationError

    try:
        Bundle.model_validate(bundle)
    except ValidationError as error:
        problems = [
            Problem(
                path=_path(e["loc"]),
                code=e["type"],
                message=f"is not valid FHIR ({e['type'].replace('_', ' ')})",
            )
            for e in error.errors(include_input=False, include_url=False)
        ]
        raise DocumentError("fhir-bundle", problems) from None


def _path(location: tuple[int | str, ...]) -> str:
    path = "Bundle"
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path
