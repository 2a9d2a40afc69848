"""`ropeteam keys rotate`: every encrypted value moves to the first configured key."""

import os
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from ropeteam.cases.models import RiskChange
from ropeteam.cli import main
from ropeteam.core.crypto import rotate
from ropeteam.core.errors import RopeteamError
from tests.conftest import World

OLD, NEW, LOST = os.urandom(32), os.urandom(32), os.urandom(32)
LABEL = "cases.riskchange.reason"
TABLE = RiskChange._meta.db_table


def _stored() -> dict[int, str]:
    """The reasons as the database holds them, ciphertext and all."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, reason FROM {TABLE}")  # noqa: S608  a model's own table
        return dict(cursor.fetchall())


def _reasons() -> dict[int, str]:
    return dict(RiskChange.objects.values_list("pk", "reason"))


def _note(world: World, reason: str) -> None:
    RiskChange.objects.create(
        case=world.sams_case,
        changed_by=world.sam,
        changed_at=timezone.now(),
        to_level="high",
        reason=reason,
    )


@pytest.fixture
def under_k1(world: World) -> Iterator[World]:
    """The world's encrypted values and five more reasons, all under k1, the only key."""
    # Whatever other encrypted columns the world fills must move off the suite's key too.
    with override_settings(ENCRYPTION_KEYS={"k1": OLD, **settings.ENCRYPTION_KEYS}):
        rotate()
    with override_settings(ENCRYPTION_KEYS={"k1": OLD}):
        for n in range(5):
            _note(world, f"went missing overnight, time {n}")
        yield world


def test_rotate_moves_every_value_to_the_new_key_and_keeps_the_text(under_k1: World) -> None:
    before = _reasons()
    assert all(value.startswith("v1:k1:") for value in _stored().values())
    with override_settings(ENCRYPTION_KEYS={"k2": NEW, "k1": OLD}):
        report = rotate()
        assert report.key_id == "k2"
        assert report.counts[LABEL] == len(before)
        assert all(value.startswith("v1:k2:") for value in _stored().values())
        assert _reasons() == before
    with override_settings(ENCRYPTION_KEYS={"k2": NEW}):
        assert _reasons() == before


def test_rotating_again_changes_nothing(under_k1: World) -> None:
    with override_settings(ENCRYPTION_KEYS={"k2": NEW, "k1": OLD}):
        rotate()
        stored = _stored()
        assert rotate().counts[LABEL] == 0
        assert _stored() == stored


def test_a_batch_smaller_than_the_table_still_reaches_every_row(under_k1: World) -> None:
    before = _reasons()
    assert len(before) > 2
    with override_settings(ENCRYPTION_KEYS={"k2": NEW, "k1": OLD}):
        assert rotate(batch_size=2).counts[LABEL] == len(before)
        assert all(value.startswith("v1:k2:") for value in _stored().values())
        assert _reasons() == before


def test_a_value_under_an_unconfigured_key_stops_rotation_and_changes_nothing(
    under_k1: World,
) -> None:
    # The last row, so the rows before it in the same batch would have been rewritten.
    with override_settings(ENCRYPTION_KEYS={"lost": LOST}):
        _note(under_k1, "under a key since thrown away")
    stored = _stored()
    with (
        override_settings(ENCRYPTION_KEYS={"k2": NEW, "k1": OLD}),
        pytest.raises(RopeteamError, match=rf"{LABEL} row \d+: Encryption key 'lost'"),
    ):
        rotate()
    assert _stored() == stored


def test_a_value_whose_key_id_names_a_different_key_is_refused(under_k1: World) -> None:
    stored = _stored()
    with (
        override_settings(ENCRYPTION_KEYS={"k2": NEW, "k1": LOST}),
        pytest.raises(RopeteamError, match="does not open it"),
    ):
        rotate()
    assert _stored() == stored


def test_keys_rotate_reports_what_it_re_encrypted(
    under_k1: World, capsys: pytest.CaptureFixture[str]
) -> None:
    count = len(_stored())
    with override_settings(ENCRYPTION_KEYS={"2026b": NEW, "k1": OLD}):
        assert main(["keys", "rotate", "--batch-size", "2"]) == 0
        out = capsys.readouterr().out
        assert out.startswith("Re-encrypted ")
        assert "values with key 2026b (" in out
        assert f"{LABEL}: {count}" in out
        assert main(["keys", "rotate"]) == 0
        assert "Re-encrypted 0 values" in capsys.readouterr().out


def test_keys_rotate_names_a_missing_key_and_fails(
    under_k1: World, capsys: pytest.CaptureFixture[str]
) -> None:
    with override_settings(ENCRYPTION_KEYS={"k2": NEW}):
        assert main(["keys", "rotate"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ropeteam: ")
    assert "'k1' is not configured" in err
    assert LABEL in err


def test_keys_rotate_refuses_an_empty_batch(
    under_k1: World, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["keys", "rotate", "--batch-size", "0"]) == 2
    assert "batch size" in capsys.readouterr().err
