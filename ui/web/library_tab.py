"""The Library tab: the articles with counts, each title a link to the article's page (its
first passage's ``/cite`` page), a box that finds articles by title or outlet, and lines that
refresh on their own when the index changes (a ``serve --watch`` pass, an ingest from the CLI);
upload (with a progress bar) and delete, which exist only when the server runs with an API
token, and need that token typed in."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr
from gradio.utils import is_in_or_equal
from gradio_client.utils import is_http_url_like

from ui import uploads
from ui.errors import ApiError, classify
from ui.services import Services
from ui.web.library_list import (
    LIST_LIMIT,
    article_list_html,
    copies_count,
    count,
    feed_list_html,
    found_line,
)
from ui.web.render import md_escape

log = logging.getLogger(__name__)

FILE_TYPES = [".txt", ".md", ".html", ".htm", ".json", ".jsonl"]
POLL_S = 5.0  # how often an open page asks whether the index changed (one cheap read)
READ_ONLY = (
    "Uploads and deletes are off: this server was started without an API token. To turn them "
    "on, stop it and start it again with one, e.g. `NEWSRAG_API_TOKEN=choose-a-secret make run` "
    "(or `newsrag serve`); a token box then appears here — type the same secret in it."
)
BAD_TOKEN = (
    "Wrong or missing API token: type the token this server was started with (`NEWSRAG_API_TOKEN`)."
)


@dataclass
class LibraryTab:
    counts: gr.Markdown
    query: gr.Textbox
    table: gr.HTML  # the articles as a list (one card each): reads on a phone and a desktop
    doomed: gr.Dropdown | None

    @property
    def outputs(self) -> list[gr.components.Component]:
        return [self.counts, self.table] + ([self.doomed] if self.doomed else [])


def build_library_tab(services: Services) -> LibraryTab:
    counts = gr.Markdown(elem_id="library-counts")
    query = gr.Textbox(
        label="Find articles",
        placeholder="words of a title or an outlet",
        elem_id="library-search",
        max_lines=1,
    )
    table = gr.HTML(elem_id="library-table", elem_classes=["library-list"])
    refresh = gr.Button("Refresh", elem_id="library-refresh", size="sm")
    tab = LibraryTab(counts, query, table, None)
    if services.writes_enabled:
        tab.doomed = _write_controls(services, tab)
    else:
        gr.Markdown(READ_ONLY, elem_id="library-read-only")
    with_ids = tab.doomed is not None
    refresh.click(
        lambda q="": library_view(services, with_ids, query=q or ""),
        [query],
        tab.outputs,
        api_name="articles",
    )
    query.change(  # found as typed, on the server (``input`` would send the value before)
        lambda q: library_view(services, False, query=q or ""),
        [query],
        [counts, table],
        trigger_mode="always_last",
        show_progress="hidden",
        api_visibility="private",
    )
    _poll_changes(services, tab)
    return tab


def _poll_changes(services: Services, tab: LibraryTab) -> None:
    """Every ``POLL_S`` the page asks for the index's stamp (``Services.library_stamp``) and
    reads the counts and the list again only when it moved: they follow a watch pass without
    a click. The delete choices (and one in progress) stay as they are until a refresh."""
    seen = gr.State(None)
    timer = gr.Timer(POLL_S)

    def tick(last: Any, query: str | None) -> tuple[Any, ...]:
        stamp = list(services.library_stamp())
        if stamp == last:
            return gr.skip(), gr.skip(), gr.skip()
        return (stamp, *library_view(services, False, query=query or ""))

    outputs = [seen, tab.counts, tab.table]
    timer.tick(tick, [seen, tab.query], outputs, api_visibility="private")


def newest_articles(services: Services) -> tuple[int, list[dict[str, Any]]]:
    """The total and the newest ``LIST_LIMIT`` articles, as the Library lists them (each with
    the citation key of its first passage, ``cite``)."""
    return services.library_page("", LIST_LIMIT)


def _feeds_line(services: Services) -> str:
    """`` · 2 feeds followed (1 failing)`` when feeds are followed, else nothing."""
    feeds = services.feed_health()
    if not feeds["followed"]:
        return ""
    failing = f" ({feeds['failing']} failing: newsrag feeds list)" if feeds["failing"] else ""
    plural = "feed" if feeds["followed"] == 1 else "feeds"
    return f" · {feeds['followed']} {plural} followed{failing}"


def library_view(
    services: Services,
    with_ids: bool = True,
    listing: tuple[int, list[dict[str, Any]]] | None = None,
    query: str = "",
) -> tuple[Any, ...]:
    """Counts line, article list and (with writes on) the delete choices (``listing``: the
    ``newest_articles`` already read, else they are read here: those ``query`` finds when it
    has words)."""
    total, rows = listing if listing is not None else services.library_page(query, LIST_LIMIT)
    n = services.counts()
    shown = f" (newest {LIST_LIMIT} listed)" if total > LIST_LIMIT and not query.strip() else ""
    counts = (
        f"{count(n['articles'], 'article', '**')} ({copies_count(n['copies'])}), "
        f"{count(n['chunks'], 'passage', '**')}{shown}" + _feeds_line(services)
    )
    if query.strip():
        table = found_line(query, total) + article_list_html(rows, empty="")
    else:
        table = feed_list_html(services.feeds()) + article_list_html(rows)
    if not with_ids:
        return counts, table
    choices = [(f"{r['title'][:60]} ({r['article_id']})", r["article_id"]) for r in rows]
    return counts, table, gr.update(choices=choices, value=None)


def _write_controls(services: Services, tab: LibraryTab) -> gr.Dropdown:
    with gr.Group():
        token_box = gr.Textbox(label="API token", type="password", elem_id="library-token")
        files_box = gr.File(
            label="Add articles",
            file_count="multiple",
            file_types=FILE_TYPES,
            elem_id="library-files",
            type="filepath",
        )
        _only_uploaded_files(files_box)
        upload = gr.Button("Index files", variant="primary", elem_id="library-upload")
        result = gr.Markdown(elem_id="library-result")
        doomed = gr.Dropdown(label="Article to delete", choices=[], elem_id="library-doomed")
        delete = gr.Button("Delete article…", variant="stop", elem_id="library-delete")
        with gr.Row(visible=False, elem_id="library-confirm") as confirm_row:
            confirm = gr.Button("Yes, delete it", variant="stop", elem_id="library-confirm-yes")
            cancel = gr.Button("Keep it", elem_id="library-confirm-no")
        deleted = gr.Markdown(elem_id="library-delete-result")

    def do_upload(token: str, files: list[str] | None, progress: Any = gr.Progress()) -> Any:  # noqa: B008
        if not _token_ok(services, token, "upload"):
            return (BAD_TOKEN, gr.update(), gr.update(), gr.update())
        message = upload_files(services, token, files or [], progress)
        return (message, *library_view(services))

    def ask_to_delete(token: str, article_id: str | None) -> Any:
        if not _token_ok(services, token, "delete"):
            return BAD_TOKEN, gr.update(visible=False)
        if not article_id:
            return "Choose an article to delete.", gr.update(visible=False)
        question = f"Delete {md_escape(article_id)} and its passages? This cannot be undone."
        return question, gr.update(visible=True)

    def do_delete(token: str, article_id: str | None) -> Any:
        if not _token_ok(services, token, "delete"):
            return (BAD_TOKEN, gr.update(visible=False), gr.update(), gr.update(), gr.update())
        message = delete_article(services, token, article_id)
        return (message, gr.update(visible=False), *library_view(services))

    outputs = [result, tab.counts, tab.table, doomed]

    def still_found(query: str | None) -> tuple[Any, ...]:
        """After a write, the list again as the search box finds it (when it has words)."""
        if not (query or "").strip():
            return gr.skip(), gr.skip()
        return library_view(services, False, query=query or "")

    found = ([tab.query], [tab.counts, tab.table])
    upload.click(do_upload, [token_box, files_box], outputs, api_name="upload").then(
        still_found, *found, api_visibility="private"
    )
    delete.click(
        ask_to_delete, [token_box, doomed], [deleted, confirm_row], api_visibility="private"
    )
    confirm.click(
        do_delete,
        [token_box, doomed],
        [deleted, confirm_row, tab.counts, tab.table, doomed],
        api_name="delete",
    ).then(still_found, *found, api_visibility="private")
    cancel.click(
        lambda: ("Kept.", gr.update(visible=False)),
        None,
        [deleted, confirm_row],
        api_visibility="private",
    )
    return doomed


NOT_UPLOADED = "the file box takes only files uploaded through this page, not URLs or paths"


def _only_uploaded_files(box: gr.File) -> None:
    """The box's event takes only files already in Gradio's upload cache, where only the upload
    route (the token or the page key) puts them: Gradio would otherwise fetch a URL, or copy a
    file, named in an event's data into its cache before the token is checked."""
    move = box.async_move_resource_to_block_cache

    async def cached_only(url_or_file_path: str | Path | None) -> str | None:
        if url_or_file_path is not None:
            path = str(url_or_file_path)
            inside = not is_http_url_like(path) and is_in_or_equal(path, box.GRADIO_CACHE)
            if not inside:
                raise gr.Error(NOT_UPLOADED)
        return await move(url_or_file_path)

    box.async_move_resource_to_block_cache = cached_only  # type: ignore[method-assign]


def _token_ok(services: Services, key: str | None, action: str) -> bool:
    """The token matches; else one log line (no traceback) and False."""
    if services.settings.server.token_matches((key or "").strip()):
        return True
    log.warning("library %s refused: wrong or missing API token", action)
    return False


def _check_token(services: Services, key: str | None) -> None:
    if not services.settings.server.token_matches((key or "").strip()):
        raise ApiError(401, "unauthorized", BAD_TOKEN)


def upload_files(services: Services, key: str, paths: list[str], progress: Any) -> str:
    """Stage each file under a generated name, ingest it, and report per file (Markdown)."""
    _check_token(services, key)
    if not paths:
        return "Choose one or more files first."
    lines = []
    limit = services.settings.index.max_file_bytes
    names = uploads.unique_names([Path(p).name for p in paths])
    try:
        with uploads.staging(services.settings.index.home) as folder:
            for number, (name, path) in enumerate(zip(names, paths, strict=True), start=1):
                progress((number - 1) / len(paths), desc=f"indexing {name}")
                lines.append(_ingest_one(services, folder, number, name, path, limit))
    finally:
        _forget_gradio_copies(paths)
    progress(1.0, desc="done")
    return "\n".join(lines)


def _forget_gradio_copies(paths: list[str]) -> None:
    """Gradio keeps every upload in its cache folder; once staged and indexed, drop them."""
    from gradio.utils import get_upload_folder

    cache = Path(get_upload_folder()).resolve()
    for path in paths:
        with contextlib.suppress(OSError):
            if Path(path).resolve().is_relative_to(cache):
                Path(path).unlink()


def _ingest_one(
    services: Services, folder: Path, number: int, name: str, path: str, limit: int
) -> str:
    try:
        with open(path, "rb") as source:
            staged = uploads.stage_stream(folder, number, name, source, limit)
        summary, seen = services.ingest([staged.path])
    except Exception as exc:
        return f"- {md_escape(name)}: {md_escape(_failure(exc, services.settings.index.home))}"
    home = services.settings.index.home
    problems = uploads.readable(summary.problems + summary.warnings, [staged], home)
    titles = ", ".join(md_escape(a["title"]) for a in seen[:5]) or "nothing"
    status = (
        f"added {summary.added}, updated {summary.updated}, unchanged "
        f"{summary.unchanged}, copies {summary.copies}, failed {summary.failed}"
    )
    extra = "".join(f"\n  - {md_escape(p)}" for p in problems)
    return f"- {md_escape(name)}: {status} ({titles}){extra}"


def _failure(exc: Exception, home: Path) -> str:
    """Why a file was not indexed, naming no path of the server."""
    known = classify(exc)
    if known is None and isinstance(exc, OSError):  # e.g. Gradio's copy gone
        return exc.strerror or type(exc).__name__
    if known is None:
        log.exception("upload")
        return type(exc).__name__
    return uploads.readable([known[2]], [], home)[0]


def delete_article(services: Services, key: str, article_id: str | None) -> str:
    _check_token(services, key)
    if not article_id:
        return "Choose an article to delete."
    try:
        result = services.delete([article_id])
    except ApiError as exc:
        return md_escape(exc.detail)
    if result["missing"]:
        return f"No article {md_escape(article_id)} in the index."
    return f"Deleted {md_escape(article_id)}."
