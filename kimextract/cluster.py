"""A batch on a Dask cluster: the same records as on one machine, in input order, every input accounted for.

:func:`run_on_cluster` is the engine :func:`kimextract.batch.run_batch` uses for ``--engine dask``; discovery,
``--resume``, the sinks, the progress and the summary stay in :mod:`kimextract.batch`. Here:

- a worker plugin (:class:`DocumentWorkers`) starts on each Dask worker a :class:`~kimextract.pool.Pool` of
  document processes, one per worker thread, each of which builds the pipeline once; a
  :class:`~kimextract.pool.Runner` gives a document over the time limit a ``timeout`` record and kills its
  process with its Tesseract, and gives one whose process dies a ``crashed`` record, as a local batch does;
- the client (:class:`Stream`) submits runs of consecutive documents as tasks, sized to about half a second of
  work so that the scheduler's cost per task stays small beside the work, and never more than a window of
  documents ahead of the first one not yet written: its memory stays flat however many inputs there are;
- a Dask worker that is lost has its tasks run again on others by the scheduler, at most
  ``distributed.scheduler.allowed-failures`` times; a task that fails so is split into single documents, and a
  document that fails so alone gets a ``crashed`` record.

The workers read the inputs under the paths the client found them: the inputs must be on shared storage.
This module imports Dask; nothing else in kimextract does.
"""

from __future__ import annotations

import logging
import multiprocessing
import time
import uuid
from contextlib import contextmanager
from typing import Callable, Iterator, Optional, Sequence

import dask
from distributed import Client, LocalCluster, WorkerPlugin, as_completed, get_worker
from distributed.scheduler import KilledWorker

from .discover import Input, content_sha256
from .errors import BatchError
from .pool import Pool, Result, Runner, default_max_memory, default_workers, error_result

TASK_SECONDS = 0.5  # the work one task aims at: the scheduler's ~3 ms per task stay under 1 %
MAX_TASK_DOCUMENTS = 256
MAX_WINDOW = 10_000  # documents submitted beyond the first one not yet written; bounds the results held here
MIN_WINDOW = 64
ALLOWED_FAILURES = 3  # the local cluster's; a scheduler started by hand has its own settings
CONNECT_SECONDS = 30.0
WORKERS_SECONDS = 300.0  # how long to wait for a first worker to join the scheduler
THREADS_EVERY = 10.0  # seconds between looks at the cluster's size (adaptive clusters grow and shrink)
# a local cluster's scheduler without a dashboard, its HTTP server on a free port (not 8787, which may be taken)
QUIET_SCHEDULER = {"dashboard_address": ":0", "scheduler_kwargs": {"dashboard": False}}


def run_on_cluster(inputs: Sequence[Input], todo: Sequence[int], outputs: tuple[str, ...], options, config,
                   write: Callable[[Result], None], local_workers: int) -> int:
    """Process ``inputs[i]`` for each ``i`` in ``todo`` on the cluster at ``config.cluster`` (without one, on a
    local cluster of ``local_workers`` processes) and ``write`` each result in the order of ``todo``. Returns the
    number of worker threads the run started with."""
    settings = {"distributed.scheduler.allowed-failures": ALLOWED_FAILURES,
                # tasks wait on the workers, not on the scheduler: a worker goes on to its next task at once
                # (the window bounds how many there are)
                "distributed.scheduler.worker-saturation": float("inf")}
    with dask.config.set(settings), _connected(config, local_workers) as client:
        # all of a local cluster's workers, so that none starts behind with the first documents on it
        threads = _threads(client, wait=1 if config.cluster else local_workers, address=config.cluster)
        name = f"kimextract-{uuid.uuid4().hex[:12]}"
        client.register_plugin(DocumentWorkers(name, options, outputs, config.timeout or None, config.max_tasks_per_worker,
                                               config.max_memory), name=name)
        try:
            Stream(client, name, inputs, todo, outputs, write, threads).run()
        finally:
            _stop_documents(client, name)
    return threads


def _stop_documents(client: Client, plugin: str) -> None:
    """End the run's document processes on the workers; a cluster that is gone has none left to end."""
    try:
        client.unregister_worker_plugin(plugin)
    except (OSError, TimeoutError, ValueError):
        pass


@contextmanager
def _connected(config, local_workers: int) -> Iterator[Client]:
    """A client of the scheduler at ``config.cluster``, or of a local cluster of worker processes."""
    if config.cluster:
        try:
            client = Client(config.cluster, timeout=CONNECT_SECONDS)
        except (OSError, TimeoutError, ValueError) as exc:
            raise BatchError(f"cannot reach the Dask scheduler at {config.cluster}: {exc}") from None
        with client:
            yield client
        return
    cluster = LocalCluster(n_workers=local_workers, threads_per_worker=1, processes=True, silence_logs=logging.ERROR,
                           **QUIET_SCHEDULER)
    with cluster, Client(cluster) as client:
        yield client


def _threads(client: Client, wait: int = 0, address: Optional[str] = None) -> int:
    """The worker threads of the cluster, once ``wait`` workers have joined it."""
    if wait:
        try:
            client.wait_for_workers(wait, timeout=WORKERS_SECONDS)
        except TimeoutError:
            raise BatchError(f"no Dask worker joined the scheduler at {address} within {WORKERS_SECONDS:g} s") from None
    return max(1, sum(client.nthreads().values()))


# ---------------------------------------------------------------------------------------------------------
# on each worker


class DocumentWorkers(WorkerPlugin):
    """A pool of document processes on each Dask worker, one per thread, started once for the run."""

    def __init__(self, name: str, options, outputs: tuple[str, ...], timeout: Optional[float], max_tasks: int,
                 max_memory: Optional[int]):
        self.name, self.options, self.outputs = name, options, outputs
        self.timeout, self.max_tasks, self.max_memory = timeout, max_tasks, max_memory
        self.runner: Optional[Runner] = None

    def setup(self, worker) -> None:
        _allow_children()
        threads = worker.state.nthreads
        # --max-memory or, by default, half the machine's memory shared among its cores (a machine may run
        # several Dask workers)
        max_memory = default_max_memory(default_workers()) if self.max_memory is None else self.max_memory
        pool = Pool(threads, self.options, self.outputs, self.max_tasks, max_memory or None, label=worker.address)
        self.runner = Runner(pool, self.timeout)

    def teardown(self, worker) -> None:
        if self.runner is not None:
            self.runner.close()


def _allow_children() -> None:
    """Dask starts its worker processes as daemons, and a daemon may not start processes of its own. The
    document processes never outlive this worker (each ends when its pipe to it closes, and teardown kills
    them), so the flag is lifted."""
    process = multiprocessing.current_process()
    if process.daemon:
        process.daemon = False


def run_documents(plugin: str, jobs: list[tuple[int, str]]) -> list[Result]:
    """The task: each (index, path) of ``jobs`` to its result, in order, on this worker's pool."""
    setup = get_worker().plugins.get(plugin)
    if setup is None or setup.runner is None:
        raise RuntimeError("kimextract's worker plugin did not start on this worker (see its log)")
    return setup.runner.run(jobs)


# ---------------------------------------------------------------------------------------------------------
# on the client


class Stream:
    """Submits the documents in tasks within a window, takes their results as they come, writes them in order."""

    def __init__(self, client: Client, plugin: str, inputs: Sequence[Input], todo: Sequence[int],
                 outputs: tuple[str, ...], write: Callable[[Result], None], threads: int):
        self.client, self.plugin, self.inputs, self.todo = client, plugin, inputs, todo
        self.outputs, self.write, self.threads = outputs, write, threads
        self.threads_seen = time.monotonic()
        self.next_job = self.next_write = 0  # positions in todo
        self.finished: dict[int, Result] = {}  # by position, until the ones before are written
        self.tasks: dict[str, tuple[int, list[tuple[int, str]]]] = {}  # key -> (first position, jobs)
        self.seconds: Optional[float] = None  # a document's time, averaged over the recent tasks
        self.pending = as_completed(with_results=True, raise_errors=False)

    def run(self) -> None:
        while True:
            self.submit_more()
            if self.next_write >= len(self.todo):
                return
            future, value = next(self.pending)
            self.settle(future, value)

    # -- submitting

    def submit_more(self) -> None:
        """Write what is ready, and submit tasks for the documents within the window; inputs discovery found
        unreadable need no worker."""
        self.refresh_threads()
        while True:
            self.write_ready()
            if self.next_job >= len(self.todo) or self.next_job - self.next_write >= self.window():
                return
            index = self.todo[self.next_job]
            if self.inputs[index].error:
                status, message = self.inputs[index].error
                self.finished[self.next_job] = error_result(index, self.inputs[index].path, status, message, self.outputs)
                self.next_job += 1
                continue
            start, jobs = self.next_job, []
            room = min(self.task_size(), self.window() - (self.next_job - self.next_write))
            while len(jobs) < room and self.next_job < len(self.todo) and not self.inputs[self.todo[self.next_job]].error:
                index = self.todo[self.next_job]
                jobs.append((index, self.inputs[index].path))
                self.next_job += 1
            self.submit(start, jobs)

    def submit(self, start: int, jobs: list[tuple[int, str]]) -> None:
        key = f"{self.plugin}-{start}-{len(jobs)}"
        self.tasks[key] = (start, jobs)
        # earlier documents first: records are written in input order, so a late first one holds back the rest
        self.pending.add(self.client.submit(run_documents, self.plugin, jobs, key=key, priority=-start))

    def task_size(self) -> int:
        """Documents per task: about TASK_SECONDS of work, and small enough at the end to keep every thread busy."""
        if self.seconds is None:
            return 1  # until a first task tells how long a document takes
        size = TASK_SECONDS / max(self.seconds, 1e-4)
        fair = (len(self.todo) - self.next_job) // (2 * self.threads)
        return int(max(1, min(MAX_TASK_DOCUMENTS, size, fair)))

    def window(self) -> int:
        """Documents that may be submitted beyond the first one not yet written: enough to keep every thread
        busy with four tasks, and bounded, since results wait here behind a slow document."""
        return max(MIN_WINDOW, min(MAX_WINDOW, 4 * self.threads * self.task_size()))

    def refresh_threads(self) -> None:
        if time.monotonic() - self.threads_seen > THREADS_EVERY:
            self.threads = _threads(self.client)
            self.threads_seen = time.monotonic()

    # -- results

    def settle(self, future, value) -> None:
        start, jobs = self.tasks.pop(future.key)
        if future.status == "finished":
            for offset, result in enumerate(value):
                self.finished[start + offset] = result
            seconds = sum(result.seconds for result in value) / len(value)
            self.seconds = seconds if self.seconds is None else 0.7 * self.seconds + 0.3 * seconds
            return
        error = value[1] if isinstance(value, tuple) else value
        if not isinstance(error, KilledWorker):
            raise BatchError(f"the cluster failed a task ({type(error).__name__}: {error}); the records written so far "
                             "are whole: run again with --resume")
        if len(jobs) > 1:  # one document may be the cause: each is tried again on its own
            for offset, job in enumerate(jobs):
                self.submit(start + offset, [job])
            return
        index, path = jobs[0]
        message = (f"the Dask worker running it was lost {error.allowed_failures + 1} times, the last one "
                   f"{error.last_worker.address} (its process died or its machine went away)")
        self.finished[start] = error_result(index, path, "crashed", message, self.outputs, content_sha256(path))

    def write_ready(self) -> None:
        """Write the results that follow the last written one without a gap."""
        while self.next_write in self.finished:
            self.write(self.finished.pop(self.next_write))
            self.next_write += 1
