"""/docs and /redoc work without network (issue #15, point 6): their scripts and styles come
from the fastapi-offline package, served by newsrag itself; no page names a CDN."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import LOCAL, settings_for
from ui.server import create_app


@pytest.fixture(scope="module")
def client(sample_home: Path) -> TestClient:
    return TestClient(create_app(settings_for(sample_home), with_chat=False), base_url=LOCAL)


@pytest.mark.parametrize(
    ("page", "assets"),
    [
        ("/docs", ["swagger-ui-bundle.js", "swagger-ui.css"]),
        ("/redoc", ["redoc.standalone.js"]),
    ],
)
def test_api_docs_load_every_asset_from_this_server(
    client: TestClient, page: str, assets: list[str]
) -> None:
    html = client.get(page)
    assert html.status_code == 200
    assert "cdn." not in html.text and "googleapis" not in html.text
    for name in assets:
        url = f"/static-offline-docs/{name}"
        assert url in html.text
        asset = client.get(url)
        assert asset.status_code == 200 and len(asset.content) > 100_000
