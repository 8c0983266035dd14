"""Every model, imported in one place so the metadata is complete (for migrations and tests)."""

from shared.articles.models import Article
from shared.claims.models import Claim, ClaimState
from shared.db import Base
from shared.evidence.models import Evidence, Stance
from shared.feeds.models import Feed, SourceDocument
from shared.verification.models import TaskStatus, VerificationTask

__all__ = [
    "Article",
    "Base",
    "Claim",
    "ClaimState",
    "Evidence",
    "Feed",
    "SourceDocument",
    "Stance",
    "TaskStatus",
    "VerificationTask",
]
