"""Running sessions as tasks on an existing Dask distributed cluster (``scheduler``: its address).

Each session is one task of ``run_session``; workers write the session folders themselves, so the inputs and the
output folder must be at the same paths on every worker (a shared filesystem). Only the outcomes (figures and
event rows) come back. A worker lost mid-task is noticed by the scheduler, which runs the task again elsewhere
(up to its ``allowed-failures``); a task that raises is retried ``RETRIES`` times. A session still failing then
comes back as an error, and the others go on.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

from talkbalance.batch.task import Outcome, SessionTask, crashed, run_session
from talkbalance.errors import ConfigError

RETRIES = 2
CONNECT_TIMEOUT_S = 20


def dask_outcomes(address: str, tasks: list[SessionTask],
                  run: Callable[[SessionTask], Outcome] = run_session) -> Iterator[Outcome]:
    """Submit ``run`` of every task to the scheduler at ``address``; yield the outcomes as they finish."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise ConfigError("`scheduler` needs Dask's distributed package, which is not installed here; "
                          "pip install talkbalance[dask].") from None
    if not tasks:
        return
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, ValueError, TypeError) as exc:
        raise ConfigError(f"`scheduler` {address}: no Dask scheduler answers there ({exc}); start one "
                          "(dask scheduler) or check the address, e.g. tcp://host:8786.") from None
    run_id = uuid.uuid4().hex[:8]             # keys of this run only, even with another run on the cluster
    with client:
        futures = {client.submit(run, t, pure=False, retries=RETRIES, key=f"talkbalance-{run_id}-{t.session.id}"): t
                   for t in tasks}
        for future in as_completed(futures, loop=client.loop):
            task = futures[future]
            try:
                outcome = future.result()
            except Exception as exc:           # it failed on every try, or its workers kept dying (KilledWorker)
                outcome = crashed(task, exc)
            future.release()
            yield outcome
