"""Signing secrets at rest: encrypted with a key the database does not hold (Fernet: AES and an HMAC).

A copy of the database alone (a backup, a replica) then cannot sign or verify as an integration. The key
comes from FACTCHECK_SECRET_KEY; without it, from `<data dir>/secret.key`, made on first use (mode 0600),
so that `make run` works the first time. Lose the key and every integration needs `rotate`.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from shared.config import Settings
from shared.errors import AppError


class SecretKeyError(AppError):
    status = 500
    code = "secret_key"


def _key(settings: Settings) -> bytes:
    if settings.secret_key:
        return settings.secret_key.encode()
    path = Path(settings.data_dir) / "secret.key"
    if not path.exists():
        # Written whole under another name, then linked into place: a process that reads it while another
        # makes it sees either no file or the whole key, and of two made at once, the first one stays.
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".secret.key.{os.getpid()}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(Fernet.generate_key())
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_bytes().strip()


def box(settings: Settings) -> Fernet:
    try:
        return Fernet(_key(settings))
    except (ValueError, OSError) as e:
        raise SecretKeyError(f"FACTCHECK_SECRET_KEY is not a usable key ({e})") from e


def seal(settings: Settings, secret: str) -> str:
    return box(settings).encrypt(secret.encode()).decode()


def unseal(settings: Settings, sealed: str) -> str:
    try:
        return box(settings).decrypt(sealed.encode()).decode()
    except InvalidToken as e:
        raise SecretKeyError("a signing secret does not open with this FACTCHECK_SECRET_KEY") from e
