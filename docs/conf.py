"""Sphinx configuration for the casemgmt documentation.

Built by ``make docs`` with warnings as errors. Small hooks keep the API reference
honest:

* re-exported module constants (``casemgmt.model.PROFESSION_REGULATORS``) get the docstring
  written beside their definition, not the docstring of ``dict`` or ``frozenset``;
* identifier ``NewType``\\ s get a one-line description instead of ``typing.NewType``'s, and
  a type named by its defining module (``casemgmt.model.values.ClientId``) links to the
  public name that re-exports it (``casemgmt.model.ClientId``);
* every name in the ``__all__`` of a public module must be documented somewhere in the
  reference, or the build fails: a new public name cannot silently go undocumented;
* reST directives left as text on a page (an extension's markup read as Markdown) fail the
  build.
"""

from __future__ import annotations

import enum
import importlib
import inspect
import re
import sys
import typing
from importlib.metadata import version as _version
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.pycode import ModuleAnalyzer
from sphinx.util import logging

project = "casemgmt"
author = "casemgmt developers"
copyright = "casemgmt developers"
release = _version("casemgmt")
version = ".".join(release.split(".")[:2])

# Local extensions: ``catalogue`` renders the rule catalogue from casemgmt.rules;
# ``lifecycle_diagram`` draws the case life cycle from casemgmt.model.TRANSITIONS;
# ``fhir_mapping`` prints casemgmt.serialization.fhir.MAPPING; ``caseload_chart`` draws the
# example team's caseloads (casemgmt.services.team_caseload_status) and ``review_calendar``
# an example case manager's reviews (casemgmt.services.schedule, reviews_due), both from the
# files under examples/ at build time; ``error_codes`` tables the error classes and the
# problem codes (casemgmt.errors.PROBLEM_CODES) with the modules whose source produces them.
sys.path.insert(0, str(Path(__file__).parent / "_ext"))

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "catalogue",
    "lifecycle_diagram",
    "fhir_mapping",
    "caseload_chart",
    "review_calendar",
    "error_codes",
]

source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build"]

myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# Members are listed per directive in docs/reference/*.md, grouped by topic.
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_class_signature = "mixed"
python_maximum_signature_line_length = 88

napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_ivar = False
napoleon_attr_annotations = True

html_theme = "furo"
html_title = f"casemgmt {release}"

PUBLIC_MODULES = (
    "casemgmt.model",
    "casemgmt.errors",
    "casemgmt.serialization",
    "casemgmt.testing.strategies",
    "casemgmt.cli",
    "casemgmt.rules",
    "casemgmt.policies",
    "casemgmt.services",
    "casemgmt.population",
    "casemgmt.catalogue",
)
"""Modules whose ``__all__`` must be fully documented in the reference."""

_logger = logging.getLogger(__name__)

# How napoleon finds the colon that splits "type: description" (sphinx.ext.napoleon.docstring).
_XREF_OR_CODE = re.compile(r"(:(?:[a-zA-Z0-9]+[\-_+:.])*[a-zA-Z0-9]+:`.+?`)|(``.+?``)|(`.+?`)")
_SINGLE_COLON = re.compile(r"(?<!:):(?!:)")


def _is_newtype(obj: object) -> bool:
    return isinstance(obj, typing.NewType)


def _canonical_attr_doc(name: str, obj: object) -> list[str] | None:
    """The attribute docstring of ``obj`` where it is defined, when ``name`` re-exports it.

    ``casemgmt.model.PROFESSION_REGULATORS`` is defined (and documented with a string after
    the assignment) in ``casemgmt.model.workforce``; autodoc only reads the package's
    ``__init__``, so it would fall back to the docstring of ``dict``.
    """
    package, _, attr = name.rpartition(".")
    for modname, module in list(sys.modules.items()):
        if not modname.startswith(package + ".") or getattr(module, attr, None) is not obj:
            continue
        try:
            docs = ModuleAnalyzer.for_module(modname).find_attr_docs()
        except Exception:  # no source to analyse: try the next module
            continue
        lines = docs.get(("", attr))
        if lines:
            return list(lines)
    return None


def _process_docstring(
    app: Sphinx, what: str, name: str, obj: object, options: Any, lines: list[str]
) -> None:
    if _is_newtype(obj):
        supertype = obj.__supertype__.__name__  # type: ignore[attr-defined]
        lines[:] = [
            f"A distinct identifier type: a plain ``{supertype}`` at run time, but type "
            "checkers keep it apart from every other identifier type.",
            "",
        ]
        return
    if what == "data":
        found = _canonical_attr_doc(name, obj)
        if found is not None:
            lines[:] = found
        elif _words(lines) == _words((inspect.getdoc(type(obj)) or "").splitlines()):
            # All autodoc found is the docstring of the value's type (``dict``, ``int`` ...).
            _logger.warning(
                "%s has no docstring: add a string literal after its assignment",
                name,
                type="casemgmt",
                subtype="undocumented",
            )
            lines[:] = []
    if what in ("data", "attribute", "property") and lines and _splits_on_colon(lines[0]):
        # Napoleon reads "A: B" on the first line of an attribute's docstring as
        # "type: description"; our prose uses colons freely and our types are annotations.
        # Napoleon skips blank lines, so lead with an empty reST comment: it takes the
        # "first line" and renders as nothing, and the docstring stays prose.
        lines[0:0] = ["..", ""]


def _splits_on_colon(line: str) -> bool:
    return _SINGLE_COLON.search(_XREF_OR_CODE.sub("", line)) is not None


def _words(lines: list[str]) -> list[str]:
    return " ".join(lines).split()


def _process_signature(
    app: Sphinx,
    what: str,
    name: str,
    obj: object,
    options: Any,
    signature: str | None,
    return_annotation: str | None,
) -> tuple[str, str | None] | None:
    # A value set is not built by calling it: hide ``(value)``.
    if what == "class" and isinstance(obj, type) and issubclass(obj, enum.Enum):
        return "", return_annotation
    return None


def _resolve_reexported(app: Sphinx, env: BuildEnvironment, node: Any, contnode: Any) -> Any | None:
    """Resolve ``casemgmt.model.values.ClientId`` to the documented ``casemgmt.model.ClientId``.

    Signatures name types by the module that defines them; the reference documents them
    where they are public. Classes carry a ``:canonical:`` alias, ``NewType``\\ s do not.
    """
    target = node.get("reftarget", "")
    if node.get("refdomain") != "py" or not target.startswith("casemgmt."):
        return None
    domain = env.get_domain("py")
    parts = target.split(".")
    for end in range(len(parts) - 2, 0, -1):
        candidate = ".".join([*parts[:end], parts[-1]])
        if candidate in domain.objects:  # type: ignore[attr-defined]
            return domain.resolve_xref(
                env, node["refdoc"], app.builder, node["reftype"], candidate, node, contnode
            )
    return None


def _check_public_api_documented(app: Sphinx, env: BuildEnvironment) -> None:
    documented = set(env.get_domain("py").objects)  # type: ignore[attr-defined]
    for modname in PUBLIC_MODULES:
        try:
            module = importlib.import_module(modname)
        except Exception as error:
            _logger.warning(
                "cannot import %s to check that its __all__ is documented: %s",
                modname,
                error,
                type="casemgmt",
                subtype="import",
            )
            continue
        for name in getattr(module, "__all__", ()):
            if f"{modname}.{name}" not in documented:
                _logger.warning(
                    "%s.%s is in __all__ but not documented in docs/reference/",
                    modname,
                    name,
                    type="casemgmt",
                    subtype="undocumented",
                )


_LEAKED_DIRECTIVE = re.compile(r"^\.\. [\w:-]+::")


def _check_no_markup_leaked(app: Sphinx, doctree: Any, docname: str) -> None:
    """Fail on reST directives left as text: markup an extension parses inside a MyST page
    is read as Markdown, so ``.. list-table::`` there prints as a paragraph."""
    from docutils import nodes

    for paragraph in doctree.findall(nodes.paragraph):
        if _LEAKED_DIRECTIVE.match(paragraph.astext()):
            _logger.warning(
                "reST markup left as text: %s",
                paragraph.astext()[:60],
                location=paragraph,
                type="casemgmt",
                subtype="markup",
            )


def setup(app: Sphinx) -> dict[str, Any]:
    """Connect the hooks; ours run before napoleon (priority 500) rewrites docstrings."""
    app.connect("autodoc-process-docstring", _process_docstring, priority=400)
    app.connect("autodoc-process-signature", _process_signature)
    app.connect("missing-reference", _resolve_reexported)
    app.connect("env-check-consistency", _check_public_api_documented)
    app.connect("doctree-resolved", _check_no_markup_leaked)
    return {"parallel_read_safe": True}
