"""Security defaults, unit by unit: the bind rule, CORS, tokens, secrets kept out of logs and
reprs, upload names (no paths, no NUL; the article id follows the client's file name), and no
pickle or eval anywhere near stored data. docs/SECURITY.md describes the model.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from index.loaders.ids import path_id, upload_name_file
from tests.conftest import LOCAL, REPO, settings_for
from ui.cli import main
from ui.server import UnsafeBind, check_bind, cors_origins, create_app, is_loopback
from ui.settings import Settings
from ui.uploads import display_name, stage_stream, staging

SECRET = "s3cret-token-do-not-log"


# -- binding ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost", "LOCALHOST", "::ffff:127.0.0.1"],
)
@pytest.mark.unit
def test_loopback_hosts_need_nothing(host: str) -> None:
    assert is_loopback(host)
    check_bind(host, None)


@pytest.mark.parametrize(
    "host", ["0.0.0.0", "::", "192.168.1.20", "10.0.0.1", "example.com", "", "128.0.0.1"]
)
@pytest.mark.unit
def test_other_hosts_need_a_token_or_insecure(host: str) -> None:
    assert not is_loopback(host)
    with pytest.raises(UnsafeBind, match="not a loopback address"):
        check_bind(host, None)
    with pytest.raises(UnsafeBind):
        check_bind(host, "   ")  # a blank token is no token
    check_bind(host, SECRET)
    check_bind(host, None, insecure=True)


def test_serve_refuses_before_loading_anything(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--host", "0.0.0.0", "--home", "/nonexistent"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("newsrag: error: refusing to serve on '0.0.0.0'")
    assert "--insecure" in err[0] and "NEWSRAG_API_TOKEN" in err[0]


# -- CORS ---------------------------------------------------------------------------------------
def _preflight(client: TestClient, origin: str) -> dict[str, str]:
    headers = {"Origin": origin, "Access-Control-Request-Method": "POST"}
    return dict(client.options("/api/articles", headers=headers).headers)


def test_cors_is_closed_unless_origins_are_listed(sample_home: Path) -> None:
    closed = TestClient(create_app(settings_for(sample_home), with_chat=False), base_url=LOCAL)
    assert "access-control-allow-origin" not in _preflight(closed, "https://evil.example")
    settings = settings_for(sample_home, cors_origins="https://news.example/, https://b.example")
    assert cors_origins(settings) == ["https://news.example", "https://b.example"]
    opened = TestClient(create_app(settings, with_chat=False), base_url=LOCAL)
    allowed = _preflight(opened, "https://news.example")
    assert allowed["access-control-allow-origin"] == "https://news.example"
    assert "access-control-allow-origin" not in _preflight(opened, "https://evil.example")
    simple = opened.get("/api/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in simple.headers


# -- tokens and secrets -------------------------------------------------------------------------
@pytest.mark.unit
def test_token_compare() -> None:
    settings = Settings.from_env(env={"NEWSRAG_API_TOKEN": SECRET})
    assert settings.server.token_matches(SECRET)
    for wrong in ("", None, SECRET[:-1], SECRET + "x", SECRET.upper()):
        assert not settings.server.token_matches(wrong)
    assert not Settings.from_env(env={}).server.token_matches("")


@pytest.mark.unit
def test_settings_repr_masks_secrets() -> None:
    settings = Settings.from_env(env={"NEWSRAG_API_TOKEN": SECRET, "NEWSRAG_LLM_API_KEY": SECRET})
    assert SECRET not in repr(settings) and SECRET not in str(settings)
    assert "api_token='***'" in repr(settings) and "llm_api_key='***'" in repr(settings)
    assert "api_token=None" in repr(Settings.from_env(env={}))


def test_debug_logs_hold_no_token(
    sample_home: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NEWSRAG_API_TOKEN", SECRET)
    caplog.set_level("DEBUG")
    assert main(["stats", "-vv", "--home", str(sample_home)]) == 0
    out, err = capsys.readouterr()
    assert SECRET not in out + err + caplog.text


# -- upload names -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("client_name", "shown"),
    [
        ("notes.txt", "notes.txt"),
        ("../../etc/notes.txt", "notes.txt"),
        ("..\\..\\windows\\notes.txt", "notes.txt"),
        ("/abs/path/notes.txt", "notes.txt"),
        ("no\x00tes.txt", "notes.txt"),
        ("a.txt\x00.exe", "a.txt.exe"),
        ("line\nbreak.md", "linebreak.md"),
        ("..", "upload"),
        ("../", "upload"),
        ("", "upload"),
        (None, "upload"),
    ],
)
@pytest.mark.unit
def test_display_name_is_a_clean_base_name(client_name: str | None, shown: str) -> None:
    assert display_name(client_name) == shown


def _stage(home: Path, name: str, data: bytes) -> tuple[str, list[str]]:
    """Stage ``data`` as an upload called ``name``: the id of its article and the folder's files."""
    import io

    with staging(home) as folder:
        staged = stage_stream(folder, 1, name, io.BytesIO(data), 1000)
        files = sorted(p.name for p in folder.rglob("*"))
        return path_id(staged.path), files


@pytest.mark.unit
def test_upload_ids_follow_the_client_name_not_the_staging_path(tmp_path: Path) -> None:
    first, files = _stage(tmp_path, "../../notes.txt", b"one")
    assert files == [".upload-1.txt.newsrag-name", "upload-1.txt"]  # nothing under the name
    assert _stage(tmp_path, "notes.txt", b"two")[0] == first  # another folder, the same name
    assert _stage(tmp_path, "other.txt", b"one")[0] != first
    assert first.startswith("doc-") and len(first) == 20


@pytest.mark.unit
def test_files_without_a_recorded_name_keep_path_ids(tmp_path: Path) -> None:
    a, b = tmp_path / "a" / "x.txt", tmp_path / "b" / "x.txt"
    for path in (a, b):
        path.parent.mkdir()
        path.write_text("x")
    assert not upload_name_file(a).exists() and path_id(a) != path_id(b)


def test_library_tab_reupload_updates_by_name(sample_copy: Path, tmp_path: Path) -> None:
    from ui.services import Services
    from ui.web.library_tab import upload_files

    services = Services(settings_for(sample_copy, api_token=SECRET))
    text = "Harbour notes\n\nThe ferry to the island runs {} times a day."

    def send(folder: str, count: str) -> str:
        path = tmp_path / folder / "harbour-notes.txt"  # Gradio keeps the client's name
        path.parent.mkdir(exist_ok=True)
        path.write_text(text.format(count))
        return upload_files(services, SECRET, [str(path)], lambda *a, **k: None)

    assert "added 1" in send("g1", "two")
    assert "unchanged 1" in send("g2", "two")
    assert "updated 1" in send("g3", "four")
    assert services.counts()["articles"] == 3


# -- no pickle, no eval -------------------------------------------------------------------------
UNSAFE = re.compile(
    r"^\s*(import|from)\s+(pickle|cPickle|dill|shelve|marshal|joblib)\b|(?<![.\w])(eval|exec)\(|"
    r"yaml\.load\(|allow_pickle\s*=\s*True|torch\.load\(",
    re.MULTILINE,
)


@pytest.mark.unit
def test_no_pickle_or_eval_in_the_code() -> None:
    found = [
        f"{path.relative_to(REPO)}: {match.group(0).strip()}"
        for package in ("index", "assistant", "ui")
        for path in sorted((REPO / package).rglob("*.py"))
        for match in UNSAFE.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []
