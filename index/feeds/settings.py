"""The fetcher's settings, read from ``NEWSRAG_FETCH_*`` (no network library imported here)."""

from __future__ import annotations

from dataclasses import dataclass

from index.feeds.schedule import DEFAULT_REVALIDATE, parse_schedule
from index.settings import EnvSettings

USER_AGENT = "newsrag/0.1 (+https://github.com/newsrag/newsrag; news search for its users)"


@dataclass(frozen=True)
class FetchSettings(EnvSettings):
    fetch_allow_hosts: str = ""  # host names or CIDRs fetched although loopback/private
    fetch_user_agent: str = USER_AGENT
    fetch_timeout_s: float = 20.0  # a whole request: connect, headers and body
    fetch_max_bytes: int = 10 * 1024 * 1024  # a page or feed larger than this is refused
    fetch_max_redirects: int = 5
    fetch_host_interval_s: float = 1.0  # between the starts of two requests to one host
    fetch_host_concurrency: int = 2  # requests to one host at once
    fetch_pass_s: float = 1800.0  # a whole pass; what it did not reach waits for the next
    fetch_revalidate: str = DEFAULT_REVALIDATE  # each recent entry's page read again (a
    # conditional GET) this long after its publication; "off": never. A feed's own
    # (feeds add --revalidate) comes first
    fetch_revalidate_per_pass: int = 100  # pages re-validated per pass at most; the rest wait

    def __post_init__(self) -> None:
        parse_schedule(self.fetch_revalidate, "NEWSRAG_FETCH_REVALIDATE")
        if self.fetch_revalidate_per_pass < 0:
            raise ValueError("NEWSRAG_FETCH_REVALIDATE_PER_PASS: 0 or more")
