"""Webhook deliveries of watchlist items: a POST of the item's JSON, signed, sent at most once.

The body is the item as ``GET /api/watchlists/{id}/items`` lists it plus ``watchlist`` (its id
and name); ``X-Newsrag-Signature: sha256=<hex>`` is the HMAC-SHA256 of the exact body bytes
under the watchlist's secret. Outbound requests keep the feed fetcher's rules
(``index.feeds``): every address the host resolves to is checked (``check_url``: no link-local
or metadata address, loopback and private ones only when ``NEWSRAG_FETCH_ALLOW_HOSTS`` lists
them), the connection goes to the address checked, one deadline (``NEWSRAG_FETCH_TIMEOUT_S``)
covers the whole request, redirects are not followed and at most ``MAX_REPLY_BYTES`` of the
reply are read. Any 2xx is delivered.

At most once: each delivery is claimed (``sending``, committed) before its request goes out;
after a failure it is retried with back-off (``Policy``) and after ``attempts`` it is
``failed``; one left ``sending`` by a killed process is ``interrupted``, never sent again.
Failures are recorded with their reason (``newsrag watch list`` shows them).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from index.feeds.addresses import BlockedAddress, check_url
from index.feeds.deadline import DeadlineBackend
from index.feeds.settings import FetchSettings
from index.library import Library
from index.records import WatchItem

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Newsrag-Signature"
MAX_REPLY_BYTES = 64 * 1024
STALE_SENDING_S = 600.0  # a delivery ``sending`` this long belongs to a killed process (well
# past NEWSRAG_FETCH_TIMEOUT_S: a live sender is done by then)


@dataclass(frozen=True)
class Policy:
    attempts: int = 5  # in all, across runs; then ``failed``
    backoff_s: float = 30.0  # before the 2nd attempt; doubled for each next one
    stale_s: float = STALE_SENDING_S  # a delivery ``sending`` this long was interrupted


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    interrupted: int = 0
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "retrying": self.retrying,
            "failed": self.failed,
            "interrupted": self.interrupted,
        }


class DeliveryError(RuntimeError):
    """A webhook request that did not deliver; the message says why."""


def new_secret() -> str:
    return secrets.token_hex(32)


def sign(secret: str, body: bytes) -> str:
    """The signature header's value for ``body``: ``sha256=<hex HMAC-SHA256>``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def body_of(item: WatchItem, name: str | None = None) -> bytes:
    payload = {**item.to_dict(), "watchlist": {"id": item.watchlist_id, "name": name}}
    return json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")


def check_webhook(url: str, settings: FetchSettings) -> None:
    """DeliveryError when ``url`` could never be delivered to (scheme, address rules)."""
    try:
        check_url(url, settings.fetch_allow_hosts, resolve=False)
    except BlockedAddress as exc:
        raise DeliveryError(f"webhook refused: {exc}") from None


class WebhookPoster:
    def __init__(self, settings: FetchSettings) -> None:
        self.settings = settings
        self._clock = DeadlineBackend()
        transport = httpx.HTTPTransport()
        transport._pool._network_backend = self._clock  # as the fetcher's: one deadline
        self._client = httpx.Client(
            transport=transport,
            follow_redirects=False,
            timeout=httpx.Timeout(settings.fetch_timeout_s),
            headers={"User-Agent": settings.fetch_user_agent},
            trust_env=False,  # no proxy from the environment: the address checks must hold
        )

    def close(self) -> None:
        self._client.close()

    def post(self, url: str, body: bytes, secret: str) -> int:
        """POST ``body`` signed with ``secret``; its status, or DeliveryError."""
        try:
            address = check_url(url, self.settings.fetch_allow_hosts)[0]
        except BlockedAddress as exc:
            raise DeliveryError(f"blocked: {exc}") from None
        parts = urlsplit(url)
        literal = f"[{address}]" if address.version == 6 else str(address)
        netloc = literal + (f":{parts.port}" if parts.port else "")
        pinned = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
        host = parts.hostname or ""
        named = f"[{host}]" if ":" in host else host
        headers = {
            "Host": named + (f":{parts.port}" if parts.port else ""),
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(secret, body),
        }
        timeout = self.settings.fetch_timeout_s
        deadline = time.monotonic() + timeout
        request = self._client.build_request(
            "POST", pinned, content=body, headers=headers, extensions={"sni_hostname": host}
        )
        try:
            with self._clock.until(deadline):
                response = self._client.send(request, stream=True)
                try:
                    self._drain(response, deadline)
                finally:
                    response.close()
        except httpx.TimeoutException:
            raise DeliveryError(f"timeout: no answer within {timeout:g} s") from None
        except httpx.HTTPError as exc:
            raise DeliveryError(f"network: {type(exc).__name__}: {exc}") from None
        if not 200 <= response.status_code < 300:
            raise DeliveryError(f"status: HTTP {response.status_code}")
        return response.status_code

    def _drain(self, response: httpx.Response, deadline: float) -> None:
        """Read (and drop) at most ``MAX_REPLY_BYTES`` of the reply, before the deadline."""
        read = 0
        for raw in response.iter_raw():
            read += len(raw)
            if read > MAX_REPLY_BYTES or time.monotonic() > deadline:
                break


def deliver_due(
    library: Library,
    poster: WebhookPoster,
    policy: Policy | None = None,
    names: dict[int, str] | None = None,
) -> DeliveryReport:
    """Send every delivery due now, each claimed before it is sent (at most once)."""
    policy = policy or Policy()
    report = DeliveryReport()
    now = datetime.now(UTC)
    stale = now - timedelta(seconds=policy.stale_s)
    report.interrupted = library.interrupt_deliveries(stale.isoformat(timespec="seconds"))
    rows = library.index.catalog.watchlists.due_deliveries(now.isoformat(timespec="seconds"))
    names = names if names is not None else {w.id: w.name for w in library.watchlists()}
    for item, url, secret in rows:
        attempts = library.claim_delivery(item.id)
        if not attempts:
            continue  # another process has it, or it is settled
        try:
            poster.post(url, body_of(item, names.get(item.watchlist_id)), secret)
        except DeliveryError as exc:
            _failed(library, item.id, f"{exc}", attempts, policy, report)
            continue
        library.settle_delivery(item.id, "sent")
        report.sent += 1
    return report


def _failed(
    library: Library,
    item_id: int,
    error: str,
    attempts: int,
    policy: Policy,
    report: DeliveryReport,
) -> None:
    """Retry later (back-off doubling per attempt), or give up after ``policy.attempts``."""
    report.errors.append(f"item {item_id}: {error}")
    if attempts >= policy.attempts:
        library.settle_delivery(item_id, "failed", f"{error} (gave up after {attempts} attempts)")
        report.failed += 1
        return
    wait = timedelta(seconds=policy.backoff_s * 2 ** (attempts - 1))
    retry_at = (datetime.now(UTC) + wait).isoformat(timespec="seconds")
    library.settle_delivery(item_id, "retry", error, retry_at)
    report.retrying += 1
    log.info("webhook for item %d failed (%s); retry at %s", item_id, error, retry_at)
