"""The claim state machine, in one place: which moves exist, which need more than Action.transition, and
which may cite evidence.

    unverified   -> corroborated | disputed
    corroborated -> disputed | unverified (a reopening)
    disputed     -> corroborated | unverified (a reopening)

A reopening (back to `unverified`) also needs Action.reopen. Anything else, the same state or a state that
does not exist, is refused with 409 and the moves that are allowed from where the claim is.
"""

from __future__ import annotations

from shared.auth.roles import Action, Role, can
from shared.claims.models import ClaimState
from shared.errors import AppError

MOVES: dict[ClaimState, tuple[ClaimState, ...]] = {
    ClaimState.unverified: (ClaimState.corroborated, ClaimState.disputed),
    ClaimState.corroborated: (ClaimState.disputed, ClaimState.unverified),
    ClaimState.disputed: (ClaimState.corroborated, ClaimState.unverified),
}

# The verdicts: the states a claim is moved to on the strength of evidence, so the only ones that cite it.
VERDICTS = frozenset({ClaimState.corroborated, ClaimState.disputed})


class IllegalTransition(AppError):
    """409: the move does not exist from the claim's current state. `allowed` lists those that do."""

    status = 409
    code = "illegal_transition"


class MoveForbidden(AppError):
    status = 403
    code = "forbidden"


def allowed_moves(current: str) -> list[str]:
    """The states a claim in `current` may move to, in a stable order."""
    try:
        return [s.value for s in MOVES[ClaimState(current)]]
    except ValueError:
        return []


def is_reopening(to: str) -> bool:
    return to == ClaimState.unverified


def may_cite_evidence(to: str) -> bool:
    return to in VERDICTS


def required_actions(to: str) -> tuple[Action, ...]:
    """What a caller's role must allow to move a claim to `to`."""
    return (Action.transition, Action.reopen) if is_reopening(to) else (Action.transition,)


def check_permission(role: Role, to: str) -> None:
    """403 unless the role may make a move to `to` (a reopening needs Action.reopen)."""
    for action in required_actions(to):
        if not can(role, action):
            what = "reopen a verdict (move a claim back to unverified)" if action is Action.reopen else action
            raise MoveForbidden(f"a {role} key may not {what}")


def check_move(current: str, to: str) -> ClaimState:
    """The target state, if `current -> to` is a move of the machine; else 409 naming the allowed moves."""
    allowed = allowed_moves(current)
    if to not in allowed:
        if to == current:
            why = f"the claim is already {current}"
        elif to not in ClaimState.__members__:
            why = f"{to!r} is not a state (states: {', '.join(s.value for s in ClaimState)})"
        else:
            why = f"a claim cannot move from {current} to {to}"
        raise IllegalTransition(
            f"{why}; from {current} it may move to: {', '.join(allowed) or 'nothing'}",
            extra={"current": current, "allowed": allowed},
        )
    return ClaimState(to)
