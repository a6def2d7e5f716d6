"""The rule catalogue: every DOMAIN.md rule, well formed, with its area and sources."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casemgmt.rules import RULES, SOURCES, Rule, RuleArea, rule

# Copied from DOMAIN.md by hand, so that the catalogue cannot drop or reorder a rule unnoticed.
DOMAIN_IDS = (
    *(f"E{n}" for n in range(1, 10)),
    *(f"A{n}" for n in range(1, 5)),
    *(f"P{n}" for n in range(1, 10)),
    *(f"F{n}" for n in range(1, 5)),
    *(f"C{n}" for n in range(1, 10)),
    *(f"M{n}" for n in range(1, 8)),
    *(f"X{n}" for n in range(1, 7)),
    *(f"O{n}" for n in range(1, 5)),
)

AREA_BY_LETTER = {
    "E": RuleArea.ELIGIBILITY,
    "A": RuleArea.ASSESSMENT,
    "P": RuleArea.CARE_PLANNING,
    "F": RuleArea.FUNDING,
    "C": RuleArea.CASELOAD,
    "M": RuleArea.REVIEW,
    "X": RuleArea.CLOSURE,
    "O": RuleArea.OUTCOMES,
}

ID_PATTERN = re.compile(r"^[EACPFMXO][0-9]$")

all_rules = pytest.mark.parametrize("entry", list(RULES.values()), ids=list(RULES))


def test_catalogue_holds_exactly_the_domain_rules_in_order() -> None:
    assert len(DOMAIN_IDS) == 52
    assert tuple(RULES) == DOMAIN_IDS


def test_every_seed_and_gas_is_a_source() -> None:
    assert set(SOURCES) == {"000", "001", "002", "003", "004", "gas"}
    for source_id, source in SOURCES.items():
        assert source.id == source_id
        assert source.citation.strip() == source.citation != ""


@all_rules
def test_rule_is_keyed_by_its_own_id(entry: Rule) -> None:
    assert RULES[entry.id] is entry
    assert ID_PATTERN.fullmatch(entry.id)


@all_rules
def test_title_is_short_sentence_case_without_full_stop(entry: Rule) -> None:
    assert entry.title
    assert not entry.title.endswith(".")
    assert entry.title[0].isupper()
    assert 3 <= len(entry.title.split()) <= 7


@all_rules
def test_statement_is_a_sentence_ending_with_a_full_stop(entry: Rule) -> None:
    assert entry.statement[0].isupper()
    assert entry.statement.endswith(".")
    assert "  " not in entry.statement


@all_rules
def test_area_matches_the_id_letter(entry: Rule) -> None:
    assert entry.area is AREA_BY_LETTER[entry.id[0]]


@all_rules
def test_sources_are_known_and_cited(entry: Rule) -> None:
    assert entry.sources
    assert len(set(entry.sources)) == len(entry.sources)
    assert set(entry.sources) <= set(SOURCES)
    assert entry.citation == "; ".join(SOURCES[s].citation for s in entry.sources)


def test_citation_joins_several_sources_in_order() -> None:
    e9 = RULES["E9"]
    assert e9.sources == ("001", "004")
    assert e9.citation == f"{SOURCES['001'].citation}; {SOURCES['004'].citation}"


def test_implied_rules_say_so() -> None:
    assert RULES["F1"].sources == ("002", "003")
    assert RULES["F4"].sources == ("002",)
    for rule_id in ("F1", "F4"):
        assert "implied by the sources" in RULES[rule_id].statement


def test_statements_keep_the_domain_numbers() -> None:
    matron_range = "50\N{EN DASH}80"
    assert matron_range in RULES["C1"].statement
    assert "80" in RULES["C1"].statement.rpartition(matron_range)[2]
    assert "Castlefields" in RULES["F2"].statement
    assert "£200 a week" in RULES["F2"].statement
    assert "22" in RULES["E7"].statement
    assert "540" in RULES["E7"].statement
    assert RULES["O4"].sources == ("gas",)


def test_rule_looks_up_the_catalogue() -> None:
    assert rule("P1") is RULES["P1"]


def test_rule_raises_key_error_for_an_unknown_id() -> None:
    with pytest.raises(KeyError, match="Z9"):
        rule("Z9")


@given(st.sampled_from(list(RULES)))
def test_rule_returns_the_rule_with_the_id_asked_for(rule_id: str) -> None:
    assert rule(rule_id).id == rule_id
