"""Every model, imported in one place so the metadata is complete (for migrations and tests)."""

from shared.articles.models import Article
from shared.auth.models import ApiKey
from shared.claims.models import Claim, ClaimState
from shared.db import Base
from shared.evidence.models import Evidence, Stance
from shared.feeds.models import Feed, SourceDocument
from shared.integrations.models import (
    Integration,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookReceipt,
    WebhookSubscription,
)
from shared.related.models import ClaimLink, ClaimMatchKey, ClaimSignature
from shared.reports.models import claim_tally, verdict_tally, work_tally
from shared.review.models import ClaimEvent
from shared.verification.models import TaskStatus, VerificationTask

__all__ = [
    "ApiKey",
    "Article",
    "Base",
    "Claim",
    "ClaimEvent",
    "ClaimLink",
    "ClaimMatchKey",
    "ClaimSignature",
    "ClaimState",
    "Evidence",
    "Feed",
    "Integration",
    "SourceDocument",
    "Stance",
    "TaskStatus",
    "VerificationTask",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEvent",
    "WebhookReceipt",
    "WebhookSubscription",
    "claim_tally",
    "verdict_tally",
    "work_tally",
]
