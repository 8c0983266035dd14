"""What each role may do. The one place permissions are decided."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    integration = "integration"  # a newsroom tool: submits articles, reads what it submitted
    reviewer = "reviewer"  # a fact-checker
    editor = "editor"
    admin = "admin"


class Action(enum.StrEnum):
    submit_articles = "submit articles"
    read_own = "read the articles it submitted"
    read_all = "read all articles and claims"
    verify = "run verification again"
    take = "take and release claims"
    note = "add notes"
    transition = "move claims between states"
    reopen = "reopen verdicts"
    assign = "assign claims to others"
    manage_integrations = "manage integrations"
    read_reports = "read the desk's reports and exports"
    # Keys are managed with `factcheck keys` (admins run the service, so the command line is theirs).


_REVIEWER = {Action.read_own, Action.read_all, Action.verify, Action.take, Action.note, Action.transition}
_EDITOR = _REVIEWER | {Action.reopen, Action.assign, Action.read_reports}

PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.integration: frozenset({Action.submit_articles, Action.read_own}),
    Role.reviewer: frozenset(_REVIEWER),
    Role.editor: frozenset(_EDITOR),
    Role.admin: frozenset(_EDITOR | {Action.submit_articles, Action.manage_integrations}),
}


def can(role: Role, action: Action) -> bool:
    return action in PERMISSIONS[role]
