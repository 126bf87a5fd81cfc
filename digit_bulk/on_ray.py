"""The bulk reader on a Ray cluster: Ray Data shares the pictures out to `workers` actors, each a
Reader holding one LiteRT interpreter for its whole life (map_batches with a class).

The pictures' paths must be readable on every node (a shared volume: on KubeRay, the same
persistent volume mounted in every pod); a dataset's pictures travel as bytes through Ray's
object store instead.
"""

import socket
from collections.abc import Iterator

from digit_bulk.output import schema
from digit_bulk.reader import Reader, columns
from digit_bulk.sources import Source

PROBE_SECONDS = 5.0


class RayReader:
    """One Ray actor's reader: pyarrow batches of {id, path, data} in, rows out."""

    def __init__(self, numbers: bool):
        self.reader = Reader(numbers)
        self.schema = schema(columns(numbers))

    def __call__(self, batch):
        import pyarrow as pa

        from digit_bulk.reader import Item

        items = [
            Item(row["id"], row["path"] if row["path"] is not None else row["data"])
            for row in batch.to_pylist()
        ]
        return pa.Table.from_pylist(self.reader.read(items), schema=self.schema)


def connect(address: str) -> None:
    """ADDRESS: a running cluster ("auto", "HOST:PORT", "ray://HOST:10001"), or "local": start
    one on this machine for this run."""
    import ray

    if address == "local":
        ray.init(log_to_driver=False)
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if host and port.isdigit():  # Ray itself retries a silent address for minutes
        try:
            socket.create_connection((host, int(port)), timeout=PROBE_SECONDS).close()
        except OSError:
            raise ConnectionError(f"Nothing answers at {address}: is a Ray head there?") from None
    ray.init(address=address, log_to_driver=False)


def read_on_ray(
    address: str,
    source: Source,
    todo: list[int],
    numbers: bool,
    workers: int | None,
    batch_size: int,
) -> Iterator[list[dict]]:
    """Each batch's rows, in the order they finish. A process already connected to Ray (a
    notebook, a benchmark) keeps its connection."""
    import pyarrow as pa
    import ray

    connected = ray.is_initialized()
    if not connected:
        connect(address)
    ray.data.DataContext.get_current().enable_progress_bars = False  # tqdm's bar is the one
    try:
        workers = workers or int(ray.cluster_resources().get("CPU", 1))
        records = []
        for i in todo:
            item = source.item(i)
            is_path = isinstance(item.source, str)
            records.append(
                {
                    "id": item.id,
                    "path": item.source if is_path else None,
                    "data": None if is_path else item.source,
                }
            )
        results = ray.data.from_items(records).map_batches(
            RayReader,
            fn_constructor_kwargs={"numbers": numbers},
            batch_size=batch_size,
            batch_format="pyarrow",
            concurrency=workers,
            num_cpus=1,
        )
        for batch in results.iter_batches(batch_format="pyarrow", batch_size=None):
            assert isinstance(batch, pa.Table)  # as batch_format asks
            yield batch.to_pylist()
    finally:
        if not connected:
            ray.shutdown()
