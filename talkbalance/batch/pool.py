"""Running sessions in worker processes on this machine (``jobs``), each importing once and analysing many.

Workers are spawned (the same on every system, and nothing of the parent's state is copied). When a worker dies
(killed, out of memory), the pool breaks: the sessions not yet finished go to a new pool, up to
``POOL_RESTARTS`` times; after that they come back as errors, for the next run to retry.
"""
from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool

from talkbalance.batch.task import Outcome, SessionTask, crashed, run_session, start_worker
from talkbalance.errors import ConfigError

POOL_RESTARTS = 2


def default_jobs() -> int:
    """One worker per core."""
    return os.cpu_count() or 1


def pool_outcomes(tasks: list[SessionTask], jobs: int | None = None,
                  run: Callable[[SessionTask], Outcome] = run_session) -> Iterator[Outcome]:
    """Run ``run`` on every task in ``jobs`` worker processes; yield the outcomes as they finish."""
    jobs = default_jobs() if jobs is None else jobs
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ConfigError(f"`jobs` must be a whole number of worker processes, 1 or more; got {jobs!r}.")
    left = {t.session.id: t for t in tasks}
    broken: BaseException | None = None
    for _ in range(POOL_RESTARTS + 1):
        if not left:
            return
        with ProcessPoolExecutor(max_workers=min(jobs, len(left)), mp_context=multiprocessing.get_context("spawn"),
                                 initializer=start_worker) as pool:
            futures = {pool.submit(run, t): t for t in left.values()}
            try:
                for future in as_completed(futures):
                    if isinstance(future.exception(), BrokenProcessPool):
                        broken = future.exception()
                        break
                    task = futures[future]
                    del left[task.session.id]
                    yield _outcome(future, task)
                else:
                    return
                for future, task in futures.items():      # finished before the pool broke
                    if task.session.id in left and future.done() and not isinstance(future.exception(), BrokenProcessPool):
                        del left[task.session.id]
                        yield _outcome(future, task)
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)
                raise
    for task in left.values():
        yield crashed(task, broken or BrokenProcessPool())


def _outcome(future: Future, task: SessionTask) -> Outcome:
    """A finished future's outcome; an exception (a bug in one session's analysis) fails that session, not the run."""
    exc = future.exception()
    return crashed(task, exc) if exc is not None else future.result()
