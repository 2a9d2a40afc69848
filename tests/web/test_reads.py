"""Pages read other domains only through their `queries` (and `access`) modules."""

from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "src" / "ropeteam" / "web"


def test_no_page_reads_a_table_itself() -> None:
    # A page that queries a model directly skips the scoping, prefetching and read audit
    # its domain's queries module owns.
    direct = [
        f"{path.relative_to(WEB)}:{n}"
        for path in sorted(WEB.rglob("*.py"))
        for n, line in enumerate(path.read_text().splitlines(), start=1)
        if ".objects." in line
    ]
    assert direct == []
