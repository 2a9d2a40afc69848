"""The hazard log (docs/safety/hazards.md) stays true: every hazard is proved by tests that
exist, and every test that claims a hazard names one the log lists."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOG = ROOT / "docs" / "safety" / "hazards.md"
HEADING = re.compile(r"^## (H\d+) ", re.MULTILINE)
TEST_LINE = re.compile(r"^\s*- (tests/\S+\.py)::(test_\w+)\s*$", re.MULTILINE)
MARKER = re.compile(r"""mark\.hazard\(\s*["'](H\d+)["']""")


def _hazards() -> dict[str, list[tuple[str, str]]]:
    text = LOG.read_text()
    starts = [(m.group(1), m.start()) for m in HEADING.finditer(text)]
    sections = zip(starts, [*(s for _, s in starts[1:]), len(text)], strict=True)
    return {hazard: TEST_LINE.findall(text[start:end]) for (hazard, start), end in sections}


def _test_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name.startswith("test_")
    }


def test_the_log_lists_the_hazards_in_order() -> None:
    hazards = list(_hazards())
    assert hazards == [f"H{n}" for n in range(1, len(hazards) + 1)]
    assert len(hazards) >= 8


def test_every_hazard_names_tests_and_every_named_test_exists() -> None:
    for hazard, tests in _hazards().items():
        assert tests, f"{hazard} names no test"
        for path, name in tests:
            assert (ROOT / path).is_file(), f"{hazard} names {path}, which does not exist"
            assert name in _test_names(ROOT / path), f"{hazard} names {path}::{name}: not there"


def test_every_hazard_a_test_claims_is_in_the_log() -> None:
    known = set(_hazards())
    for path in (ROOT / "tests").rglob("*.py"):
        for hazard in MARKER.findall(path.read_text()):
            assert hazard in known, f"{path.relative_to(ROOT)} claims {hazard}: not in the log"
