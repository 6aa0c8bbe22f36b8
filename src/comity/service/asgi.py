"""The application as uvicorn imports it in each worker process (`--workers N`).

`comity serve` passes its settings in the environment variable `COMITY_SERVE_SETTINGS`
(JSON) of the processes it starts; nothing else reads it.
"""

from __future__ import annotations

import json
import os

from starlette.applications import Starlette

from comity.service.app import create_app
from comity.service.runtime import Settings

__all__ = ["ENV", "app_from_env", "settings_to_env"]

ENV = "COMITY_SERVE_SETTINGS"


def settings_to_env(settings: Settings) -> str:
    data = {
        "store_url": settings.store_url,
        "rule_dirs": list(settings.rule_dirs),
        "max_body_bytes": settings.max_body_bytes,
        "max_batch": settings.max_batch,
        "request_timeout": settings.request_timeout,
        "threads": settings.threads,
        "watch": settings.watch,
        "stream_poll": settings.stream_poll,
        "stream_keepalive": settings.stream_keepalive,
    }
    return json.dumps(data)


def app_from_env() -> Starlette:
    """The factory uvicorn calls in a worker process."""
    data = json.loads(os.environ[ENV])
    data["rule_dirs"] = tuple(data["rule_dirs"])
    return create_app(Settings(**data))
