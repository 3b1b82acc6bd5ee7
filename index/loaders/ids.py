"""Article id rules and URL helpers.

Without an own id or URL, an article's id hashes its file's resolved path. A file staged for an
upload lives at a throwaway temporary path, so the uploader records the client's file name next
to it (``record_upload_name``) and the id hashes ``upload:<name>`` instead: re-uploading a file
under the same name updates its article rather than adding a copy.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

HASH_CHARS = 16
UPLOAD_NAME_SUFFIX = ".newsrag-name"


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:HASH_CHARS]


def clean_id(value: object) -> str | None:
    """A record's own id as a one-line string, or None when absent/blank/not a scalar."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    text = " ".join(str(value).split())  # no line breaks, stripped
    return text or None


def normalize_url(url: str) -> str:
    """Scheme and host lower-cased, query and fragment dropped, no trailing slash."""
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/")
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, "", ""))


def url_id(url: str) -> str:
    return "url-" + _short_hash(normalize_url(url))


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
