"""The stylesheet, scripts and icons as WhiteNoise serves them, gzip-compressed.

WhiteNoise sends a file's `.gz` copy to a browser that accepts gzip when the copy lies
beside it; `collectstatic` with WhiteNoise's storage would make those copies, but Ropeteam
serves straight from the app folders so that a fresh clone needs no build step. This
middleware makes them itself when the process starts: a phone on a weak signal then fetches
the stylesheet that holds up the first paint in a quarter of its size.

The copies are named after their content, in `ROPETEAM_DATA/static-gzip/`, so instances
sharing a data folder, and an upgrade, never serve one file's copy for another.
"""

import gzip
import hashlib
import os
from pathlib import Path
from typing import Any
from wsgiref.headers import Headers

from django.conf import settings
from whitenoise.middleware import WhiteNoiseMiddleware
from whitenoise.responders import StaticFile

# Text worth compressing; PNG and ICO are compressed already or too small to matter.
COMPRESSIBLE = {".css", ".js", ".mjs", ".svg", ".json", ".webmanifest", ".txt", ".html", ".map"}
MIN_SIZE = 512  # bytes: below this gzip's own header eats the gain


def gzip_copy(path: str, folder: Path) -> str | None:
    """The path of `path`'s gzip copy in `folder`, made now if needed; None when not worth it."""
    source = Path(path)
    if source.suffix.lower() not in COMPRESSIBLE:
        return None
    data = source.read_bytes()
    if len(data) < MIN_SIZE:
        return None
    digest = hashlib.sha256(data).hexdigest()[:20]
    target = folder / f"{source.stem}.{digest}{source.suffix}.gz"
    if not target.exists():
        packed = gzip.compress(data, compresslevel=9, mtime=0)
        if len(packed) >= len(data) * 0.9:
            return None
        folder.mkdir(mode=0o700, exist_ok=True)
        partial = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        partial.write_bytes(packed)
        partial.replace(target)  # atomic: another instance may be writing the same copy
    return str(target)


class CompressedStaticFiles(WhiteNoiseMiddleware):  # type: ignore[misc]  # untyped
    """WhiteNoise, with a gzip copy of each of Ropeteam's own text files made at start-up
    (or, with DEBUG's autorefresh, when it is asked for)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.gzip_folder = Path(settings.DATA_DIR) / "static-gzip"
        super().__init__(*args, **kwargs)

    def get_static_file(
        self, path: str, url: str, stat_cache: dict[str, os.stat_result] | None = None
    ) -> StaticFile:
        # Only Ropeteam's own files, which every page loads: the admin's and the API
        # documentation's (megabytes, for a desk) would slow every start for little gain.
        ours = url.startswith(f"{self.static_prefix}ropeteam/") and os.path.isfile(path)
        copy = gzip_copy(path, self.gzip_folder) if ours else None
        if copy is None:
            return super().get_static_file(path, url, stat_cache=stat_cache)
        # As WhiteNoise builds it, but with the copy as the gzip encoding (it would look for
        # `path + ".gz"`).
        headers = Headers([])
        self.add_mime_headers(headers, path, url)
        self.add_cache_headers(headers, path, url)
        if self.allow_all_origins:
            headers["Access-Control-Allow-Origin"] = "*"
        if self.add_headers_function is not None:
            self.add_headers_function(headers, path, url)
        return StaticFile(path, headers.items(), encodings={"gzip": copy})
