"""The settings a user configures (``NEWSRAG_*`` environment variables): everything the
lower layers read (``rag.settings.RagSettings``, ``index.settings.IndexSettings``) plus the
HTTP service's keys, limits and CORS, and the Slack bot's tokens.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from rag.settings import RagSettings

MIN_API_KEY_CHARS = 16


class Settings(RagSettings):
    ingest_jobs_kept: int = Field(
        100, ge=1, description="Finished HTTP ingest jobs kept for GET /jobs/{id}."
    )

    # HTTP service (api/). Keys are secrets: never logged, compared in constant time.
    api_keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        description="Bearer API keys (JSON list or comma-separated); none = loopback only.",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Allowed CORS origins."
    )
    max_body_bytes: int = Field(10_000_000, ge=1024, description="Largest request body.")
    max_question_chars: int = Field(2000, ge=10)
    max_k: int = Field(50, ge=1, le=100)
    rate_limit_per_minute: int = Field(
        120,
        ge=0,
        description="Requests a minute per API key; without keys, per client address (0 = off).",
    )
    rate_limit_loopback_per_minute: int = Field(
        0,
        ge=0,
        description="Without API keys, requests a minute per loopback client (0 = no limit: "
        "a keyless server serves this machine only, unless started with --allow-public).",
    )
    fetch_private_hosts: bool = Field(
        False,
        description="Let POST /feeds fetch from loopback, private and link-local addresses "
        "(the CLI always may); off, a caller cannot make the server read internal services.",
    )

    # Slack bot (api/slack.py): Slack's own variable names, no NEWSRAG_ prefix.
    slack_bot_token: SecretStr | None = Field(None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(None, validation_alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(
        "https://slack.com/api/",
        description="Slack Web API base URL (tests point it at a local server).",
    )

    @field_validator("api_keys", "cors_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            if value.strip().startswith("["):
                return json.loads(value)
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("api_keys")
    @classmethod
    def _keys_long_enough(cls, keys: list[SecretStr]) -> list[SecretStr]:
        # An empty key would let "Authorization: Bearer" with no token in; a short one is
        # guessable. Never echo the key itself in the message.
        for number, key in enumerate(keys, start=1):
            if len(key.get_secret_value().strip()) < MIN_API_KEY_CHARS:
                raise ValueError(
                    f"API key {number} is empty or shorter than {MIN_API_KEY_CHARS} characters "
                    "(make one with: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
                )
        return keys


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
