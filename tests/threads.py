"""Work released at once on several threads, each with its own database connection."""

import threading
from collections.abc import Callable
from typing import TypeVar

from django.db import connection

T = TypeVar("T")


def run_together(work: list[Callable[[], T]]) -> list[T]:
    """Run each callable in its own thread, all released at once; re-raise any failure."""
    start = threading.Barrier(len(work))
    results: list[T | None] = [None] * len(work)
    failures: list[BaseException] = []

    def run(i: int) -> None:
        try:
            start.wait(timeout=30)
            results[i] = work[i]()
        except BaseException as error:  # re-raised in the test's own thread below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(work))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a sender never finished"
    if failures:
        raise failures[0]
    return [r for r in results if r is not None]
