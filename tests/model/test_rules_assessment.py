"""How contact with the client is recorded (A4): face to face, by telephone, by video or by
remote monitoring, on every assessment and on reviews.

The library records the mode of each contact; it does not restrict the modes a case may use
(A4's "minor injury: remote only" is left to the host, which knows the injury).
"""

from __future__ import annotations

import json

import pytest
from _model_builders import make_assessment, make_case
from hypothesis import given
from hypothesis import strategies as st

from casemgmt.model import (
    Assessment,
    AssessmentKind,
    Case,
    ContactMode,
    Review,
    ReviewId,
    ReviewKind,
)
from casemgmt.serialization import dump_json, load_json


@pytest.mark.rule("A4")
def test_the_contact_modes_are_the_four_of_the_rule() -> None:
    assert {m.value for m in ContactMode} == {
        "face-to-face",
        "telephone",
        "video",
        "remote-monitoring",
    }


@pytest.mark.rule("A4")
@given(mode=st.sampled_from(ContactMode), kind=st.sampled_from(AssessmentKind))
def test_every_assessment_records_how_the_contact_happened(
    mode: ContactMode, kind: AssessmentKind
) -> None:
    assessment = make_assessment(kind=kind, contact_mode=mode)
    assert assessment.contact_mode is mode
    document = json.loads(dump_json(assessment))
    assert document["contact_mode"] == mode.value
    assert load_json(Assessment, dump_json(assessment)).contact_mode is mode


@pytest.mark.rule("A4")
@given(mode=st.none() | st.sampled_from(ContactMode), kind=st.sampled_from(ReviewKind))
def test_a_review_may_record_how_the_contact_happened(
    mode: ContactMode | None, kind: ReviewKind
) -> None:
    review = Review(
        id=ReviewId("RV-1"),
        kind=kind,
        held_on=make_assessment().performed_on,
        contact_mode=mode,
    )
    assert review.contact_mode is mode
    # Reviews travel inside their case's document.
    case = make_case(reviews=(review,))
    assert load_json(Case, dump_json(case)).reviews[0].contact_mode is mode


@pytest.mark.rule("A4")
def test_an_assessment_cannot_leave_the_contact_mode_out() -> None:
    with pytest.raises(TypeError, match="contact_mode"):
        Assessment(  # type: ignore[call-arg]
            id=make_assessment().id,
            client_id=make_assessment().client_id,
            kind=AssessmentKind.INITIAL,
            performed_on=make_assessment().performed_on,
        )
