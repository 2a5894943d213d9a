"""Kill loops: run a real subprocess and SIGKILL it at increasing delays, checking the files it
writes after every kill (not one lucky timing).

The script prints ``ready`` once its imports and set-up are done; each delay is measured from
then, so the kills spread over the writing itself rather than over Python's start-up.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path


def kill_loop(script: str, delays: Sequence[float], check: Callable[[int, float], None], *, cwd: Path,
              args: Sequence[str] = (), stdin: str | None = None) -> list[str]:
    """Run ``python -c script`` once per delay, kill it ``delay`` seconds after it printed
    ``ready``, then call ``check(i, delay)``. Returns how each run ended ("killed" or "finished")."""
    ends = []
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    for i, delay in enumerate(delays):
        proc = subprocess.Popen([sys.executable, "-c", script, *args], cwd=cwd, env=env, text=True,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        if stdin is not None:
            proc.stdin.write(stdin)
            proc.stdin.flush()
        line = proc.stdout.readline()
        assert line.strip() == "ready", f"script did not start: {line!r}"
        time.sleep(delay)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            ends.append("killed")
        else:
            ends.append("finished")
        proc.wait()
        proc.stdout.close()
        proc.stdin.close()
        check(i, delay)
    return ends


def spread(first: float, last: float, n: int) -> list[float]:
    """``n`` delays from ``first`` to ``last`` seconds, growing geometrically."""
    ratio = (last / first) ** (1 / (n - 1))
    return [first * ratio ** i for i in range(n)]


def kill_forked(work: Callable[[], None], delays: Sequence[float], check: Callable[[int, float], None]) -> list[str]:
    """As :func:`kill_loop`, with the child forked from this process after its set-up (so a kill
    costs the delay, not a Python start-up): the child runs ``work()`` and exits; it is SIGKILLed
    ``delay`` seconds after the fork, then ``check(i, delay)`` runs here."""
    ends = []
    for i, delay in enumerate(delays):
        pid = os.fork()
        if pid == 0:  # the child: no pytest clean-up, no exit handlers
            code = 0
            try:
                work()
            except BaseException:
                code = 1
            os._exit(code)
        time.sleep(delay)
        done, status = os.waitpid(pid, os.WNOHANG)
        if done == 0:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            ends.append("killed")
        else:
            ends.append("finished" if os.waitstatus_to_exitcode(status) == 0 else "failed")
        check(i, delay)
    return ends
