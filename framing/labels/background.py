"""Read and score the rest of a labelling window in a background thread, so that the session
asks its first question after one small block instead of after the whole window.

The main thread spends its time waiting on the annotator's keyboard, which leaves the GIL to
this thread. The main thread collects what is ready with :meth:`ScoredBlocks.take` when it
chooses its next question; an error in the thread is raised there as a :class:`FramingError`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd

from framing.errors import FramingError


class ScoredBlocks:
    """Pull blocks from ``blocks`` until ``rows`` paragraphs are read (or the blocks end) and
    pass each through ``score`` in a daemon thread; the results wait for :meth:`take`.

    ``exhausted`` is True once ``blocks`` has nothing more; ``done`` once the thread has
    stopped (after its last block has been taken, nothing more will come)."""

    def __init__(self, blocks: Iterator[pd.DataFrame], score: Callable[[pd.DataFrame], Any], rows: int) -> None:
        self._blocks, self._score, self._rows = blocks, score, rows
        self._ready: list[Any] = []
        self._error: BaseException | None = None
        self._finished = False
        self._stop = threading.Event()
        self._changed = threading.Condition()
        self.exhausted = False
        self._thread = threading.Thread(target=self._run, name="framing-label-scoring", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        read = 0
        try:
            while read < self._rows and not self._stop.is_set():
                block = next(self._blocks, None)
                if block is None:
                    self.exhausted = True
                    break
                read += len(block)
                result = self._score(block)
                with self._changed:
                    self._ready.append(result)
                    self._changed.notify_all()
        except BaseException as error:  # handed to the main thread, which raises it
            self._error = error
        finally:
            with self._changed:
                self._finished = True
                self._changed.notify_all()

    @property
    def done(self) -> bool:
        """The thread has stopped and everything it scored has been taken."""
        with self._changed:
            return self._finished and not self._ready

    def take(self, *, wait: bool = False) -> list[Any]:
        """What was scored since the last call (with ``wait``, at least one block unless the
        thread stops first). Raises the thread's error, as a :class:`FramingError`."""
        with self._changed:
            if wait:
                self._changed.wait_for(lambda: self._ready or self._finished)
            ready, self._ready = self._ready, []
            error, self._error = self._error, None
        if error is not None:
            self.close()
            if isinstance(error, FramingError):
                raise error
            raise FramingError(f"reading and scoring the corpus in the background failed: {type(error).__name__}: {error}",
                               fix="run the command again; if it fails the same way, report it with this message") \
                from error
        return ready

    def close(self) -> None:
        """Stop after the block in hand and wait for the thread (it never outlives the session)."""
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join()
