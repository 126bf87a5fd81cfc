"""The bulk reader on one machine: batches of pictures shared out between worker processes,
each holding its own Reader (one interpreter, one core); answers come back in input order.

One process reads in this process, with no pool to start. Only a few batches a worker are in
flight at once, so a dataset's pictures are loaded as they are needed, not all at the start.
"""

import multiprocessing
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor

from digit_bulk.reader import Item, Reader
from digit_bulk.sources import Source

IN_FLIGHT = 4  # batches a worker, queued: enough to keep it busy while results are written
_reader: Reader | None = None  # each worker process's own


def start_worker(numbers: bool) -> None:
    global _reader
    _reader = Reader(numbers)


def read_in_worker(items: list[Item]) -> list[dict]:
    assert _reader is not None, "start_worker runs first in every worker"
    return _reader.read(items)


def batches(source: Source, todo: list[int], size: int) -> Iterator[list[Item]]:
    for start in range(0, len(todo), size):
        yield [source.item(i) for i in todo[start : start + size]]


def read_locally(
    source: Source, todo: list[int], numbers: bool, workers: int, batch_size: int
) -> Iterator[list[dict]]:
    """Each batch's rows, in order."""
    if workers == 1:
        reader = Reader(numbers)
        yield from map(reader.read, batches(source, todo, batch_size))
        return
    # spawn: a fresh interpreter per worker, nothing inherited from this process's threads
    with ProcessPoolExecutor(
        workers, multiprocessing.get_context("spawn"), initializer=start_worker, initargs=(numbers,)
    ) as pool:
        pending: deque[Future] = deque()
        for batch in batches(source, todo, batch_size):
            pending.append(pool.submit(read_in_worker, batch))
            if len(pending) >= IN_FLIGHT * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
