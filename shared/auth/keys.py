"""API keys: made random, shown once, stored as a hash, compared in constant time, revocable.

A key reads `fck_<prefix>_<secret>`. The prefix finds the row; the secret is checked against its hash.
Keys are long random strings, so a plain SHA-256 is enough (a slow password hash protects weak secrets).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth.models import ApiKey
from shared.auth.roles import Role
from shared.errors import AppError, Conflict, NotFound
from shared.validation import MAX_ID

PREFIX = "fck"


class InvalidKey(AppError):
    status = 422
    code = "invalid"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the key's name (the actor in the audit trail) and its role."""

    key_id: int
    name: str
    role: Role

    @property
    def only_own(self) -> str | None:
        """An integration sees only the articles it submitted (and their claims): its name, else None."""
        return self.name if self.role == Role.integration else None


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def create_key(session: AsyncSession, name: str, role: Role) -> tuple[ApiKey, str]:
    """A new key; the plain key is returned this once and never stored."""
    name = name.strip()
    if not 1 <= len(name) <= 200 or "\x00" in name:
        raise InvalidKey("a key's name must be 1 to 200 characters")
    if await session.scalar(select(ApiKey.id).where(func.lower(ApiKey.name) == name.lower())) is not None:
        raise Conflict(f"a key named {name!r} exists already (revoked keys keep their names)")
    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    key = ApiKey(name=name, role=Role(role), prefix=prefix, secret_hash=_hash(secret))
    session.add(key)
    await session.flush()
    return key, f"{PREFIX}_{prefix}_{secret}"


async def list_keys(session: AsyncSession) -> list[ApiKey]:
    return list(await session.scalars(select(ApiKey).order_by(ApiKey.id)))


async def revoke_key(session: AsyncSession, key_id: int) -> None:
    if not 1 <= key_id <= MAX_ID:
        raise NotFound(f"key {key_id} does not exist")
    revoked = await session.execute(
        update(ApiKey).where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None)).values(revoked_at=func.now())
    )
    if revoked.rowcount == 0 and await session.get(ApiKey, key_id) is None:
        raise NotFound(f"key {key_id} does not exist")


async def any_key(session: AsyncSession) -> bool:
    """Whether any key was ever made (revoked ones count: revoking every admin key is not a reset)."""
    return await session.scalar(select(ApiKey.id).limit(1)) is not None


async def authenticate(session: AsyncSession, presented: str) -> Principal | None:
    """The principal a presented key stands for, or None (unknown, malformed or revoked)."""
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        return None
    row = await session.execute(
        select(ApiKey.id, ApiKey.name, ApiKey.role, ApiKey.secret_hash).where(
            ApiKey.prefix == parts[1], ApiKey.revoked_at.is_(None)
        )
    )
    found = row.one_or_none()
    # Compared in constant time, so the answer's timing says nothing about how much of the secret was right.
    if found is None or not hmac.compare_digest(found.secret_hash, _hash(parts[2])):
        return None
    return Principal(found.id, found.name, Role(found.role))


class RecentKeys:
    """The keys an API process has checked lately, by the hash of the whole key (no secret is kept): one
    presented again within ``seconds`` is not looked up again. The look-up was a quarter of the API's work
    for a small request. The price: a revoked key is refused by every API process at most ``seconds`` later
    (FACTCHECK_KEY_CACHE_SECONDS; 0 looks every key up every time)."""

    MOST = 10_000  # keys remembered; past it the memory starts again

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._seen: dict[str, tuple[float, Principal]] = {}

    async def authenticate(self, session: AsyncSession, presented: str) -> Principal | None:
        if self.seconds <= 0:
            return await authenticate(session, presented)
        digest, now = _hash(presented), time.monotonic()
        seen = self._seen.get(digest)
        if seen is not None and seen[0] > now:
            return seen[1]
        principal = await authenticate(session, presented)
        if principal is not None:  # only keys that passed: an unknown one is looked up every time
            if len(self._seen) >= self.MOST:
                self._seen = {}
            self._seen[digest] = (now + self.seconds, principal)
        return principal
