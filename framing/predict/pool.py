"""Worker processes for a prediction run: each corpus unit is handed to a spawned process and
the results come back in corpus order."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import time
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from framing.errors import CorpusError, warning_display
from framing.model.lean import worker_init, worker_run


def in_workers(run: Callable[[Any], tuple], units: Iterable[Any], workers: int) -> Iterator[tuple[Any, tuple]]:
    """``(unit, run(unit))`` for each unit, in order, computed by ``workers`` spawned processes
    (``run`` is pickled to each once), at most ``2 * workers`` units ahead of the consumer.

    concurrent.futures rather than multiprocessing.Pool: a worker that dies (killed for lack of
    memory, say) breaks the pool and is reported as a :class:`~framing.errors.CorpusError`, where
    Pool would wait for its result forever. A worker whose parent is gone (killed with SIGKILL)
    exits within a second instead of waiting on its queue for good."""
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_start,
                               initargs=(run, os.getpid()))
    finished = False
    try:
        pending: deque = deque()
        for unit in units:
            with _workers_deaf_to_ctrl_c():  # a submit may start a worker: it inherits the mask
                future = pool.submit(worker_run, unit)
            pending.append((unit, future))
            while len(pending) > 2 * workers:  # bounded: memory stays flat
                yield _result(*pending.popleft())
        while pending:
            yield _result(*pending.popleft())
        finished = True
    finally:
        # after an error or an early stop, queued units are dropped and running ones not waited
        # for (each is one file or row group; its worker exits when it is done)
        pool.shutdown(wait=finished, cancel_futures=True)


@contextlib.contextmanager
def _workers_deaf_to_ctrl_c() -> Iterator[None]:
    """Block SIGINT while a worker may be started: a child keeps its parent's signal mask through
    exec, so Ctrl-C (sent to every process of the terminal's group) reaches the parent alone, which
    stops the run with one line, rather than interrupting each worker mid-import with a traceback.
    A SIGINT that arrives meanwhile is delivered to the parent when the block ends."""
    if not hasattr(signal, "pthread_sigmask"):  # not POSIX
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _start(run: Callable[[Any], tuple], parent: int) -> None:
    """Worker start-up: keep the task, show warnings as the CLI does, and leave when the parent
    process is gone."""
    worker_init(run)
    warnings.showwarning = warning_display(lambda text: print(f"warning: {text}", file=sys.stderr, flush=True))
    threading.Thread(target=_exit_with, args=(parent,), name="framing-parent-watch", daemon=True).start()


def _exit_with(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _result(unit: Any, future: Future) -> tuple[Any, tuple]:
    try:
        return unit, future.result()
    except BrokenProcessPool:
        raise CorpusError("a worker process stopped before it finished its part of the corpus",
                          path=getattr(unit, "file", None),
                          fix="it was probably killed for lack of memory: run again with fewer --workers "
                              "(--workers 1 needs the least)") from None
