"""What a phone on a weak signal downloads: the stylesheet, scripts and pages compressed, and
the same files again only when they changed."""

import gzip
from pathlib import Path
from typing import Any

from django.test import Client

from ropeteam.web.staticfiles import gzip_copy

STATIC = Path(__file__).resolve().parents[2] / "src" / "ropeteam" / "web" / "static" / "ropeteam"


def body(response: Any) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return bytes(response.content)


def test_the_stylesheet_comes_gzipped_to_a_browser_that_accepts_it(db: None) -> None:
    response = Client().get("/static/ropeteam/ropeteam.css", HTTP_ACCEPT_ENCODING="gzip, br")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert response["Content-Type"].startswith("text/css")
    packed = body(response)
    assert gzip.decompress(packed) == (STATIC / "ropeteam.css").read_bytes()
    assert len(packed) < (STATIC / "ropeteam.css").stat().st_size / 2


def test_a_browser_that_does_not_accept_gzip_gets_the_file_as_it_is(db: None) -> None:
    response = Client().get("/static/ropeteam/live.js")
    assert response.status_code == 200
    assert "Content-Encoding" not in response
    assert body(response) == (STATIC / "live.js").read_bytes()


def test_a_file_already_held_is_not_sent_again(db: None) -> None:
    client = Client()
    first = client.get("/static/ropeteam/app.js", HTTP_ACCEPT_ENCODING="gzip")
    again = client.get(
        "/static/ropeteam/app.js", HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=first["ETag"]
    )
    assert again.status_code == 304


def test_images_that_are_compressed_already_are_sent_as_they_are(db: None) -> None:
    response = Client().get("/static/ropeteam/icons/icon-192.png", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert "Content-Encoding" not in response


def test_pages_come_gzipped_too(as_user: Any) -> None:
    response = as_user("sam").get("/", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "My rope" in gzip.decompress(body(response)).decode()


def test_a_changed_file_gets_a_new_copy_never_the_old_one(tmp_path: Path) -> None:
    source = tmp_path / "app.js"
    source.write_text("console.log('one');\n" * 100)
    first = gzip_copy(str(source), tmp_path / "copies")
    source.write_text("console.log('two');\n" * 100)
    second = gzip_copy(str(source), tmp_path / "copies")
    assert first is not None and second is not None and first != second
    assert gzip.decompress(Path(second).read_bytes()) == source.read_bytes()
    assert gzip_copy(str(source), tmp_path / "copies") == second  # made once


def test_tiny_files_are_not_worth_a_copy(tmp_path: Path) -> None:
    source = tmp_path / "tiny.css"
    source.write_text("a{color:red}")
    assert gzip_copy(str(source), tmp_path / "copies") is None
