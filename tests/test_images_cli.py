"""`cms image add`: the same checks as an upload, from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cms.cli import app
from cms.graphql.relay import from_global_id
from cms.settings import Settings

from .test_media_intake import photo, save


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("CMS_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CMS_MEDIA_ROOT", str(settings.media_root))
    return settings


def test_image_add_prints_the_global_id(env: Settings, tmp_path: Path) -> None:
    path = tmp_path / "harbour.webp"
    path.write_bytes(save(photo(), "WEBP"))
    result = CliRunner().invoke(
        app,
        [
            "image", "add", str(path), "--title", "Harbour", "--creator", "Jane",
            "--source-url", "https://www.flickr.com/photos/jane/1", "--source-name", "Flickr",
            "--license", "https://creativecommons.org/licenses/by/2.0/", "--focal-point", "0.3,0.6",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    type_name, pk = from_global_id(result.output.strip().splitlines()[-1])
    assert type_name == "Image"
    assert int(pk) > 0


def test_image_add_refuses_html_with_exit_code_1(env: Settings, tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_text("<html><script>alert(1)</script></html>")
    result = CliRunner().invoke(app, ["image", "add", str(path), "--creator", "J", "--license", "CC0-1.0"])
    assert result.exit_code == 1
    assert "not an image we accept" in result.output
    assert not env.media_root.exists() or not any(env.media_root.rglob("*.*"))


def test_image_add_refuses_a_bad_focal_point(env: Settings, tmp_path: Path) -> None:
    path = tmp_path / "a.png"
    path.write_bytes(save(photo(), "PNG"))
    result = CliRunner().invoke(
        app, ["image", "add", str(path), "--license", "CC0-1.0", "--focal-point", "x"]
    )
    assert result.exit_code == 2
