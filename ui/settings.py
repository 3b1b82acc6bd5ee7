"""The server's settings (``ServerSettings``) and ``Settings``, which composes every layer's:
``index``, ``retrieval``, ``answers``, ``server`` and ``fetch`` (feeds), each read from its
``NEWSRAG_*`` variables. The CLI and the server build one ``Settings`` and hand each part only
its section.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field

from assistant import AssistantSettings
from index import EnvSettings, Secret
from index.feeds import FetchSettings


@dataclass(frozen=True)
class ServerSettings(EnvSettings):
    host: str = "127.0.0.1"
    port: int = 7860
    api_token: Secret | None = None  # writes (upload, delete) need it; none: read-only
    cors_origins: str = ""  # comma-separated origins allowed cross-origin; empty: none
    allowed_hosts: str = ""  # comma-separated Host names answered besides loopback; * = any
    max_upload_files: int = 50  # files per upload request (HTTP API); more is 413
    upload_cache_bytes: int = 0  # Gradio's upload cache holds at most this many bytes of files
    # not yet indexed (more is 507); 0: room for one largest upload request
    ask_concurrency: int = 0  # asks answered at once (ui/services.py AskPool); 0: one per core
    ask_nice: int = 10  # the ask workers' niceness above the searches' (Linux; 0: the same)
    answer_cache: int = 512  # answers, and searches, kept per generation for repeats; 0: none
    log_level: str = "WARNING"
    watch_tick_s: float = 60.0  # serve --watch: how often due feeds are looked for
    backfill_idle_s: float = 5.0  # serve fills passages' vectors after so long idle; 0: never

    def token_matches(self, given: str | None) -> bool:
        """``given`` is the write token (compared in constant time); never without one."""
        expected = self.api_token
        if not expected or not given:
            return False
        return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


@dataclass(frozen=True)
class Settings(AssistantSettings):
    server: ServerSettings = field(default_factory=ServerSettings)
    fetch: FetchSettings = field(default_factory=FetchSettings)
