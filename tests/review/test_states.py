"""The state machine on its own: every move of every state, allowed or refused, and who may make it."""

from __future__ import annotations

import itertools

import pytest

from shared.auth.roles import Role
from shared.claims.models import ClaimState
from shared.review.states import (
    IllegalTransition,
    MoveForbidden,
    allowed_moves,
    check_move,
    check_permission,
    may_cite_evidence,
)

U, C, D = ClaimState.unverified, ClaimState.corroborated, ClaimState.disputed
ALLOWED = {(U, C), (U, D), (C, D), (D, C), (C, U), (D, U)}


@pytest.mark.parametrize(("current", "to"), sorted(ALLOWED))
def test_allowed_moves(current, to):
    assert check_move(current, to) is to
    assert to in allowed_moves(current)


@pytest.mark.parametrize(
    ("current", "to"),
    [pair for pair in itertools.product(ClaimState, ClaimState) if pair not in ALLOWED]
    + [(U, "verified"), (C, "CORROBORATED"), (D, ""), (U, "unverified ")],
)
def test_every_other_move_is_409_naming_the_allowed_ones(current, to):
    with pytest.raises(IllegalTransition) as refused:
        check_move(current, to)
    error = refused.value
    assert error.status == 409 and error.code == "illegal_transition"
    assert error.extra["allowed"] == allowed_moves(current) and error.extra["current"] == current
    assert all(state in error.message for state in allowed_moves(current))


def test_the_moves_from_each_state():
    assert allowed_moves(U) == ["corroborated", "disputed"]
    assert allowed_moves(C) == ["disputed", "unverified"]
    assert allowed_moves(D) == ["corroborated", "unverified"]
    assert allowed_moves("nonsense") == []


@pytest.mark.parametrize("role", list(Role))
def test_reopening_needs_the_reopen_action(role):
    may_reopen = role in (Role.editor, Role.admin)
    if may_reopen:
        check_permission(role, U)
    else:
        with pytest.raises(MoveForbidden) as refused:
            check_permission(role, U)
        assert refused.value.status == 403


@pytest.mark.parametrize("role", list(Role))
def test_verdicts_need_the_transition_action(role):
    for to in (C, D):
        if role is Role.integration:
            with pytest.raises(MoveForbidden):
                check_permission(role, to)
        else:
            check_permission(role, to)


def test_only_verdicts_cite_evidence():
    assert may_cite_evidence(C) and may_cite_evidence(D)
    assert not may_cite_evidence(U) and not may_cite_evidence("other")
