"""Integrations: made, listed, rotated and disabled by an admin (API and `factcheck integrations`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth.models import ApiKey
from shared.auth.roles import Role
from shared.config import Settings
from shared.errors import AppError, Conflict, NotFound
from shared.integrations.models import Integration
from shared.integrations.secret_box import seal, unseal
from shared.integrations.signatures import new_secret
from shared.validation import MAX_ID

# What an integration may hear about (outbound webhooks); each is documented in the README.
EVENT_TYPES = ("article.processed", "claim.evidence_ready", "claim.state_changed")


class InvalidIntegration(AppError):
    status = 422
    code = "invalid"


@dataclass(frozen=True, slots=True)
class Made:
    integration: Integration
    secret: str  # shown this once


async def create_integration(session: AsyncSession, settings: Settings, name: str, event_types: list[str]) -> Made:
    name = name.strip()
    if not 1 <= len(name) <= 200 or "\x00" in name:
        raise InvalidIntegration("an integration's name must be 1 to 200 characters")
    unknown = sorted(set(event_types) - set(EVENT_TYPES))
    if unknown:
        raise InvalidIntegration(f"unknown event types: {', '.join(unknown)} (known: {', '.join(EVENT_TYPES)})")
    # Its articles are `submitted_by` its name, which a key of that name reads: only an integration key may.
    other_role = await session.scalar(select(ApiKey.role).where(func.lower(ApiKey.name) == name.lower()))
    if other_role is not None and other_role != Role.integration:
        raise Conflict(f"a {other_role} key is named {name!r}; an integration takes a name of its own")
    secret = new_secret()
    # One statement: of two made at once with one name (in any case), the second finds the first.
    integration = await session.scalar(
        insert(Integration)
        .values(name=name, event_types=sorted(set(event_types)), secret=seal(settings, secret))
        .on_conflict_do_nothing()
        .returning(Integration)
    )
    if integration is None:
        raise Conflict(f"an integration named {name!r} exists already")
    return Made(integration, secret)


async def list_integrations(session: AsyncSession) -> list[Integration]:
    return list(await session.scalars(select(Integration).order_by(Integration.id)))


async def _get(session: AsyncSession, integration_id: int, *, lock: bool = False) -> Integration:
    if not 1 <= integration_id <= MAX_ID:
        raise NotFound(f"integration {integration_id} does not exist")
    query = select(Integration).where(Integration.id == integration_id)
    integration = await session.scalar(query.with_for_update() if lock else query)
    if integration is None:
        raise NotFound(f"integration {integration_id} does not exist")
    return integration


async def rotate_secret(session: AsyncSession, settings: Settings, integration_id: int) -> Made:
    """A new secret; the one it replaces still verifies for FACTCHECK_WEBHOOK_ROTATION_GRACE_HOURS."""
    integration = await _get(session, integration_id, lock=True)
    secret = new_secret()
    integration.previous_secret = integration.secret
    integration.previous_until = datetime.now(UTC) + timedelta(hours=settings.webhook_rotation_grace_hours)
    integration.secret = seal(settings, secret)
    await session.flush()
    return Made(integration, secret)


async def disable_integration(session: AsyncSession, integration_id: int) -> Integration:
    integration = await _get(session, integration_id, lock=True)
    if integration.disabled_at is None:
        integration.disabled_at = datetime.now(UTC)
        await session.flush()
    return integration


async def verifying_secrets(session: AsyncSession, settings: Settings, integration_id: int) -> tuple[str, list[str]]:
    """(name, the secrets a delivery may be signed with) of an enabled integration; NotFound otherwise."""
    integration = await session.get(Integration, integration_id) if 1 <= integration_id <= MAX_ID else None
    if integration is None or integration.disabled_at is not None:
        raise NotFound(f"integration {integration_id} does not exist or is disabled")
    return integration.name, secrets_in_use(settings, integration)


def secrets_in_use(settings: Settings, integration: Integration) -> list[str]:
    """The current secret, and the one before it while its grace after a rotation lasts."""
    secrets = [unseal(settings, integration.secret)]
    if integration.previous_secret and integration.previous_until and integration.previous_until > datetime.now(UTC):
        secrets.append(unseal(settings, integration.previous_secret))
    return secrets
