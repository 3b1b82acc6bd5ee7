"""Article id rules and URL helpers.

An article's id is its own ``id`` when the record has one (checked by ``id_problem``: no
control characters, no leading ``/``, no backslash, no ``.``/``..`` segment, at most
``MAX_ID_CHARS``, so every citation key built on it opens), else ``url-`` + a hash of its
normalised URL (``normalize_url``: the query string is kept, minus tracking parameters), else
``doc-`` + a hash of its file.

Without an own id or URL, an article's id hashes its file's resolved path. A file staged for an
upload lives at a throwaway temporary path, so the uploader records the client's file name next
to it (``record_upload_name``) and the id hashes ``upload:<name>`` instead: re-uploading a file
under the same name updates its article rather than adding a copy.
"""

from __future__ import annotations

import hashlib
import unicodedata
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

HASH_CHARS = 16
UPLOAD_NAME_SUFFIX = ".newsrag-name"
MAX_ID_CHARS = 512  # well under the 2,048 characters a citation key may have
# query parameters that track a click, never name the article: dropped from URL ids
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
    }
)
TRACKING_PREFIXES = ("utm_",)
DEFAULT_PORTS = {"http": ":80", "https": ":443"}


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:HASH_CHARS]


def clean_id(value: object) -> str | None:
    """A record's own id as a one-line string, or None when absent/blank/not a scalar."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    text = " ".join(str(value).split())  # no line breaks, stripped
    return text or None


def id_problem(article_id: str) -> str | None:
    """Why ``article_id`` cannot name an article (its citations would not open), or None."""
    if len(article_id) > MAX_ID_CHARS:
        return f"longer than {MAX_ID_CHARS} characters"
    bad = next((ch for ch in article_id if unicodedata.category(ch) in ("Cc", "Cs")), None)
    if bad is not None:
        return f"control character {bad!r} is not allowed"
    if article_id.startswith("/") or "\\" in article_id:
        return "a leading '/' or a backslash is not allowed (ids are not paths)"
    if any(part in (".", "..") for part in article_id.split("/")):
        return "'.' and '..' segments are not allowed (ids are not paths)"
    return None


def is_tracking(param: str) -> bool:
    name = param.lower()
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def normalize_url(url: str) -> str:
    """Scheme and host lower-cased, default port, fragment and tracking parameters
    (``utm_*``, ``fbclid``, ``gclid``… ``TRACKING_PARAMS``) dropped, the other query
    parameters kept in sorted order, no trailing slash on the path."""
    parts = urlsplit(url.strip())
    scheme, host = parts.scheme.lower(), parts.netloc.lower()
    if scheme in DEFAULT_PORTS:
        host = host.removesuffix(DEFAULT_PORTS[scheme])
    params = parse_qsl(parts.query, keep_blank_values=True)
    kept = sorted((k, v) for k, v in params if not is_tracking(k))
    return urlunsplit((scheme, host, parts.path.rstrip("/"), urlencode(kept), ""))


def legacy_normalize_url(url: str) -> str:
    """The rule before 0.2: the whole query dropped (``?id=1`` and ``?id=2`` collided)."""
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/")
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, "", ""))


def url_id(url: str) -> str:
    return "url-" + _short_hash(normalize_url(url))


def legacy_url_id(article_id: str, url: str | None) -> bool:
    """True when ``article_id`` was made from ``url`` by the old rule and the rule now gives
    another id (an index built before 0.2: ``newsrag reindex`` recomputes it)."""
    if not url or not article_id.startswith("url-"):
        return False
    old = "url-" + _short_hash(legacy_normalize_url(url))
    return article_id == old and old != url_id(url)


def upload_name_file(path: Path) -> Path:
    """The hidden sibling that holds a staged upload's client file name."""
    return path.with_name(f".{path.name}{UPLOAD_NAME_SUFFIX}")


def record_upload_name(path: Path, name: str) -> None:
    """Make ``path``'s articles take their ids from ``name`` (a clean base name, no path)."""
    upload_name_file(path).write_text(name, encoding="utf-8")


def _identity(path: Path) -> str:
    """``upload:<client name>`` for a staged upload, else the resolved path."""
    try:
        name = upload_name_file(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return str(path.resolve())
    return f"upload:{name}"


def path_id(path: Path, index: int | None = None) -> str:
    """``doc-`` hash of the resolved path, or of a staged upload's client name (``#index``
    appended for one of several articles)."""
    key = _identity(path)
    if index is not None:
        key = f"{key}#{index}"
    return "doc-" + _short_hash(key)


def article_id(own_id: str | None, url: str | None, path: Path, index: int | None) -> str:
    if own_id:
        return own_id
    if url:
        return url_id(url)
    return path_id(path, index)


def source_from_url(url: str) -> str | None:
    """The URL's host without a leading ``www.``; scheme-less URLs are accepted."""
    text = url.strip()
    if "://" not in text and not text.startswith("//"):
        text = "//" + text
    try:
        host = urlsplit(text).hostname
    except ValueError:
        return None
    if not host or "." not in host:
        return None
    return host.removeprefix("www.")
