"""All settings, read from the environment (prefix FACTCHECK_) and from `.env`."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FACTCHECK_", env_file=".env", extra="ignore")

    # Servers. Unset means "use the embedded ones" (only `factcheck run` and the tests start them).
    database_url: str | None = Field(
        default=None, description="PostgreSQL URL, e.g. postgresql://user@host:5432/factcheck."
    )
    redis_url: str | None = Field(default=None, description="Redis URL, e.g. redis://127.0.0.1:6379/0.")

    host: str = Field(default="127.0.0.1", description="Address the API listens on.")
    port: int = Field(default=8000, description="Port the API listens on.")
    api_processes: int = Field(
        default_factory=lambda: min(os.cpu_count() or 1, 4),
        ge=1,
        description="API processes `factcheck run` starts on the port (default: one a core, at most 4).",
    )
    data_dir: Path = Field(default=Path("./.data"), description="Where the embedded servers keep their data.")
    log_format: Literal["json", "text"] = Field(
        default="json", description="json: one JSON object a log line; text: the same fields as plain text."
    )

    secret_key: str = Field(
        default="",
        description="Fernet key (urlsafe base64 of 32 bytes) that encrypts integrations' signing secrets at "
        "rest. Empty: a key kept in data_dir/secret.key, made on first use.",
    )
    webhook_rotation_grace_hours: float = Field(
        default=24.0, gt=0, description="How long an integration's previous secret still verifies after a rotation."
    )

    webhook_retry_schedule: Annotated[list[float], NoDecode] = Field(
        default_factory=lambda: [5, 300, 1800, 7200, 18000, 36000, 86400],
        description="Seconds between a failed webhook delivery's attempts, comma-separated (about a day in all); "
        "after the last, the delivery has failed.",
    )
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, description="Longest one webhook delivery may take.")
    webhook_stuck_after_seconds: float = Field(
        default=120.0, gt=0, description="A delivery handed to a worker this long ago without an outcome is sent again."
    )

    # Who publishes the verdicts (ClaimReview) and where the service is reached.
    organisation_name: str = Field(
        default="Fact-check desk", min_length=1, description="The organisation named as author of ClaimReviews."
    )
    organisation_url: str = Field(default="", description="The organisation's web site, in ClaimReviews. Empty: none.")
    public_base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Where readers reach this service; the base of a ClaimReview's `url` and of article links.",
    )

    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated origins whose pages may call the API from a browser (CORS). Empty: none.",
    )
    key_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        description="How long an API process trusts a key it has checked before looking it up again: a revoked "
        "key is refused at most this much later. 0: every request looks its key up.",
    )
    rate_limit_per_minute: int = Field(
        default=30_000,
        ge=0,
        description="Requests a minute allowed to each API key and each integration (429 beyond); 0: no limit.",
    )

    # Ingest limits.
    max_body_bytes: int = Field(default=1_000_000, description="Largest article body accepted (bytes).")
    claim_threshold: float = Field(default=0.5, description="Minimum check-worthiness score of a claim.")
    related_min_similarity: float = Field(
        default=0.56,
        ge=0,
        le=1,
        description="Least similarity (0..1) at which a claim is linked to an earlier one as the same claim; "
        "chosen on the pairs in data/related (`make eval-related`).",
    )

    # Outbox relay and verification tasks.
    relay_interval_seconds: float = Field(
        default=2.0, description="How often the relay sweeps for pending and stuck tasks."
    )
    task_stuck_after_seconds: float = Field(
        default=300.0, description="A task queued or running longer than this is sent again."
    )
    task_time_limit_seconds: float = Field(default=120.0, description="Longest one verification run may take.")
    task_max_retries: int = Field(default=3, description="Retries of a verification run that raised.")
    worker_threads: int = Field(
        default=8, ge=1, description="Verification tasks one worker process runs at once (`make run`)."
    )

    # The SSRF-safe fetcher.
    fetch_allow_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated host names or addresses that may be fetched although not public "
        "(loopback for tests, a newsroom's intranet). Empty by default.",
    )
    fetch_max_bytes: int = Field(default=2_000_000, description="Most bytes read from one response.")
    fetch_timeout_seconds: float = Field(default=10.0, description="Longest one fetch may take, all hops.")
    fetch_connect_timeout_seconds: float = Field(default=3.0, description="Longest a connect may take.")
    fetch_max_redirects: int = Field(default=5, description="Most redirects followed.")
    fetch_user_agent: str = Field(default="factcheck-bot/0.1", description="User-Agent of fetches.")

    fetch_concurrency: int = Field(default=32, ge=1, description="Most fetches in flight at once, per worker process.")
    fetch_per_host: int = Field(default=4, ge=1, description="Most fetches in flight to one host at once.")
    fetch_retries: int = Field(
        default=2, ge=0, description="Retries of a fetch answered 429 or 5xx (honouring Retry-After)."
    )

    # Evidence providers. Each is on when its URL is set; an empty value turns it off.
    mediawiki_url: str = Field(
        default="https://{lang}.wikipedia.org/w/api.php",
        description="MediaWiki API endpoint; {lang} becomes the article's language. Empty: off.",
    )
    gdelt_url: str = Field(
        default="https://api.gdeltproject.org/api/v2/doc/doc", description="GDELT DOC 2.0 API endpoint. Empty: off."
    )
    factcheck_tools_url: str = Field(
        default="https://factchecktools.googleapis.com/v1alpha1/claims:search",
        description="Google Fact Check Tools claims:search endpoint (used only with a key).",
    )
    factcheck_tools_key: str = Field(default="", description="API key for Fact Check Tools. Empty: off.")
    searxng_url: str = Field(default="", description="A SearxNG instance's base URL. Empty: off.")
    feeds: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Comma-separated RSS/Atom feed URLs of trusted outlets, polled by the relay."
    )
    feed_poll_seconds: float = Field(default=900.0, gt=0, description="How often each feed is polled.")
    sources_per_provider: int = Field(
        default=3, ge=1, le=20, description="How many results each search provider reads per claim."
    )

    @model_validator(mode="after")
    def _stuck_after_outlasts_a_run(self) -> Settings:
        # A run still going must not be taken for a dead one and started a second time.
        if self.task_stuck_after_seconds <= self.task_time_limit_seconds:
            raise ValueError("FACTCHECK_TASK_STUCK_AFTER_SECONDS must be more than FACTCHECK_TASK_TIME_LIMIT_SECONDS")
        # Likewise a delivery being sent (a late one's outcome is logged but moves nothing on).
        if self.webhook_stuck_after_seconds <= self.webhook_timeout_seconds:
            raise ValueError(
                "FACTCHECK_WEBHOOK_STUCK_AFTER_SECONDS must be more than FACTCHECK_WEBHOOK_TIMEOUT_SECONDS"
            )
        return self

    @field_validator("fetch_allow_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return [h.strip().lower().strip("[]") for h in value.split(",") if h.strip()]
        return value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [o.strip().rstrip("/") for o in value.split(",") if o.strip()]
        return value

    @field_validator("webhook_retry_schedule", mode="before")
    @classmethod
    def _split_seconds(cls, value: object) -> object:
        if isinstance(value, str):
            return [float(v) for v in value.split(",") if v.strip()]
        return value

    @field_validator("webhook_retry_schedule")
    @classmethod
    def _positive_seconds(cls, value: list[float]) -> list[float]:
        if not value or any(not 0 <= v <= 7 * 86400 for v in value):
            raise ValueError("one or more delays, each 0 to 604800 seconds")
        return value

    @field_validator("feeds", mode="before")
    @classmethod
    def _split_urls(cls, value: object) -> object:
        if isinstance(value, str):
            return [u.strip() for u in value.split(",") if u.strip()]
        return value


@lru_cache
def get_settings() -> Settings:
    return Settings()
