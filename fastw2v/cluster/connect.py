"""Which cluster a run uses (`ClusterSettings`) and the connection to it (`Session`).

dask and distributed are imported only when a session opens, so a missing extra is one clear
error at that point, never an ImportError at ``import fastw2v``.
"""

import json
import logging
import numbers
import os
from dataclasses import dataclass, field

from fastw2v.errors import ClusterError, ConfigError

LOCAL_PREFIX = "local:"
DEFAULT_CONNECT_SECONDS = 10.0
# Resident replicas (`fastw2v.cluster.resident`): each worker keeps its lane's replica and a round
# combines only the rows of its frequency tier ("tiered-"; "replica-mean": every row) by the mean,
# the sum or the clipped sum of the lanes' changes (`replicas.combine_rows`).
# Or the lanes train apart and are merged by alignment (`replicas.merge_aligned`): once, at the
# run's end ("align"), or at each epoch's end ("align-epochs").
ALIGN_RULES = ("align", "align-epochs")
COMBINE_RULES = ("tiered-mean", "tiered-sum", "tiered-clipped-sum", "replica-mean") + ALIGN_RULES
DEFAULT_COMBINE = "tiered-mean"
# The rules of per-round snapshots of the whole model, the design before replicas (its figures are
# in docs/cluster.md), named in the error that refuses them.
SNAPSHOT_RULES = ("sum", "clipped-sum", "mean", "touched-mean")
# Measured on real text (16M tokens, 3 epochs; docs/cluster.md): the tiered mean keeps 4-8 lanes
# near one machine's quality with 200,000 words a round in all and the start rate raised with the
# lanes (the mean counts each lane's change 1/L): x4 at 4 lanes, x8-x10 at 8, x10 at 16 (x16
# diverged). A round costs ~35 ms of Dask's round trips on the 2-core machine, so 2 lanes take
# 150,000 words each, at x3 (x2 and x1.5 lost 0.025 and 0.036 of WS353 at that length).
REPLICA_ROUND_WORDS = 200_000
REPLICA_LANE_WORDS = 150_000
# Lanes that train apart synchronise nothing between merges: a round only reports progress, and
# bounds what a lane lost with its worker must train again.
ALIGN_LANE_WORDS = 1_000_000
MAX_RATE_SCALE = 10
INSTALL_HINT = "pip install 'fastw2v[dask]'"


@dataclass(frozen=True)
class ClusterSettings:
    """Where and how a run trains on a Dask cluster. Give exactly one of address, scheduler_file
    and client.

    Attributes:
        address: "local:N" starts a LocalCluster of N single-threaded worker processes on this
            machine for the run; "tcp://HOST:PORT" (or any address distributed accepts) joins a
            running scheduler.
        scheduler_file: the JSON file a scheduler wrote (``dask scheduler --scheduler-file``).
        client: a connected ``distributed.Client`` to use; fastw2v never closes it.
        sync_words: words (before sub-sampling) each lane trains per round, int ≥ 1; None:
            `default_sync_words` of the run's lanes.
        combine: how a round's rows are combined, one of `COMBINE_RULES`; None:
            DEFAULT_COMBINE.
        work_dir: a folder every worker can read and write (a shared filesystem), for the encoded
            shards; a temporary folder is made inside it and removed with the model. None: the
            system's temporary folder (fine when every worker runs on this machine).
        connect_timeout: seconds to wait for the scheduler and its first worker.
        lanes: parallel parts of the corpus, each trained by one task per round; None: the
            cluster's worker threads when the vocabulary is built.
    """

    address: str = None
    scheduler_file: str = None
    client: object = field(default=None, repr=False)
    sync_words: int = None
    combine: str = None
    work_dir: str = None
    connect_timeout: float = DEFAULT_CONNECT_SECONDS
    lanes: int = None

    def __post_init__(self):
        given = [name for name in ("address", "scheduler_file", "client") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ConfigError("a cluster needs exactly one of address ('local:N' or "
                              f"'tcp://HOST:PORT'), scheduler_file or client; got {given or 'none'}")
        if self.address is not None:
            local_workers(self.address)  # validates the local form
        if self.sync_words is not None:
            _require_int("sync_words", self.sync_words)
        if self.lanes is not None:
            _require_int("lanes", self.lanes)
        if self.combine in SNAPSHOT_RULES:
            raise ConfigError(f"combine {self.combine!r} (per-round snapshots of the whole model) is no "
                              f"longer available; replicas combine by one of {', '.join(COMBINE_RULES)}")
        if self.combine is not None and self.combine not in COMBINE_RULES:
            raise ConfigError(f"combine must be one of {', '.join(COMBINE_RULES)}, got {self.combine!r}")
        if isinstance(self.connect_timeout, bool) or not isinstance(self.connect_timeout, numbers.Real) \
                or not self.connect_timeout > 0:
            raise ConfigError("connect_timeout must be a positive number of seconds, "
                              f"got {self.connect_timeout!r}")

    def describe(self):
        """A short phrase for messages: the address, the scheduler file or 'the given client'."""
        if self.client is not None:
            return "the given Dask client"
        return self.address or f"the scheduler in {self.scheduler_file}"

    def to_run(self):
        """What a checkpoint keeps to reconnect (a live client cannot be saved)."""
        return {"address": self.address, "scheduler_file": self.scheduler_file,
                "sync_words": self.sync_words, "combine": self.combine,
                "connect_timeout": self.connect_timeout}


def default_sync_words(lanes, combine=DEFAULT_COMBINE):
    """The sync interval (words a lane trains per round) a run of `lanes` lanes gets by default:
    REPLICA_LANE_WORDS at 1-2 lanes, REPLICA_ROUND_WORDS shared by the lanes beyond;
    ALIGN_LANE_WORDS for the align rules."""
    if combine in ALIGN_RULES:
        return ALIGN_LANE_WORDS
    return REPLICA_LANE_WORDS if lanes <= 2 else max(1, REPLICA_ROUND_WORDS // lanes)


def rate_scale(lanes, combine):
    """How many times the settings' learning rate the lanes train at: the means count each lane's
    change 1/lanes, so from 2 lanes on they train at min(lanes + 1, MAX_RATE_SCALE) times it
    (measured on real text: x3 best at 2 lanes, x4 at 4, x8 and x10 at 8 and x10 at 16 trained
    well; lanes + 1 lies between them at 4 and 8, where it was not measured itself); one lane and
    the sums at 1."""
    if lanes < 2 or combine not in ("tiered-mean", "replica-mean"):
        return 1
    return min(lanes + 1, MAX_RATE_SCALE)


def _require_int(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ConfigError(f"{name} must be a positive integer, got {value!r}")


def local_workers(address):
    """N for "local:N", None for any other address.

    Raises:
        ConfigError: "local" without a positive integer after the colon.
    """
    if not isinstance(address, str):
        raise ConfigError(f"a cluster address must be a string, got {address!r}")
    if not address.startswith("local"):
        return None
    count = address[len(LOCAL_PREFIX):] if address.startswith(LOCAL_PREFIX) else ""
    if not count.isdigit() or int(count) < 1:
        raise ConfigError(f"{address!r}: write local:N for a local cluster of N worker processes "
                          "(e.g. local:2), or tcp://HOST:PORT to join a running scheduler")
    return int(count)


def as_settings(cluster):
    """The `ClusterSettings` that a ``cluster=`` value stands for: a settings object as is, a str
    as its address ("local:N", "tcp://HOST:PORT"), a ``distributed.Client`` as its client.

    Raises:
        ConfigError: anything else.
    """
    if isinstance(cluster, ClusterSettings):
        return cluster
    if isinstance(cluster, str):
        return ClusterSettings(address=cluster)
    if hasattr(cluster, "submit") and hasattr(cluster, "scheduler_info"):
        return ClusterSettings(client=cluster)
    raise ConfigError(f"cluster= takes 'local:N', 'tcp://HOST:PORT', a ClusterSettings or a "
                      f"distributed.Client, not {cluster!r}")


def import_distributed():
    """The ``distributed`` module.

    Raises:
        ClusterError: dask or distributed is not installed.
    """
    try:
        import distributed
    except ImportError as exc:
        raise ClusterError(f"training on a Dask cluster needs dask and distributed ({exc}): "
                           f"{INSTALL_HINT}") from None
    return distributed


def gather(client, futures, what):
    """client.gather(futures), with the ways a cluster fails turned into one clear ClusterError.

    Args:
        what: what the tasks do, for the message ("counting the shards").
    Raises:
        ClusterError: a task kept killing its workers, or the scheduler or the cluster was lost.
        Whatever a task raised itself (DatasetError for its files).
    """
    from concurrent.futures import CancelledError

    distributed = import_distributed()
    try:
        return client.gather(futures)
    except distributed.KilledWorker as exc:
        raise ClusterError(f"{what}: a task killed its worker again and again ({exc}); is the workers' "
                           "memory too small?") from None
    except CancelledError as exc:
        raise ClusterError(f"{what}: lost the Dask scheduler ({exc})") from None
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"{what}: lost the Dask cluster ({exc})") from None


class Session:
    """A connected Dask client, and the LocalCluster it started (if any).

    Attributes:
        client: distributed.Client. settings: ClusterSettings.
        direct: True when the client sends data to the workers itself (a local cluster: faster
            for large messages), None to let distributed choose.
    """

    def __init__(self, settings, client, local_cluster=None, owns_client=True):
        self.settings, self.client = settings, client
        self._local_cluster, self._owns_client = local_cluster, owns_client
        self.direct = True if local_cluster is not None or _loopback_only(client) else None

    @classmethod
    def open(cls, settings):
        """Start or join the cluster `settings` names.

        Raises:
            ClusterError: dask is not installed; the scheduler file is missing or unreadable; the
                scheduler is unreachable, or has no worker, within `settings.connect_timeout`.
        """
        distributed = import_distributed()
        if settings.client is not None:
            return cls(settings, settings.client, owns_client=False)
        workers = local_workers(settings.address) if settings.address else None
        if workers is not None:
            cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                               dashboard_address=":0", silence_logs=logging.ERROR)
            return cls(settings, distributed.Client(cluster), local_cluster=cluster)
        address = settings.address or scheduler_address(settings.scheduler_file)
        timeout = settings.connect_timeout
        try:
            client = distributed.Client(address, timeout=timeout)
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            raise ClusterError(f"cannot reach the Dask scheduler at {address} within {timeout:g} s "
                               f"({_reason(exc)})") from None
        try:
            client.wait_for_workers(1, timeout=timeout)
        except (OSError, TimeoutError):
            client.close()
            raise ClusterError(f"the Dask scheduler at {address} has no worker (waited "
                               f"{timeout:g} s)") from None
        return cls(settings, client)

    def worker_threads(self):
        """{worker address: threads}, sorted by address."""
        return {address: int(threads) for address, threads in sorted(self.client.nthreads().items())}

    def close(self):
        """Close what this session started (a given client stays open)."""
        if self._owns_client:
            self.client.close()
        if self._local_cluster is not None:
            self._local_cluster.close()
        self._local_cluster = None
        self._owns_client = False


def _loopback_only(client):
    """Whether every worker listens on this machine's loopback address."""
    hosts = {address.split("://")[-1].rsplit(":", 1)[0].strip("[]") for address in client.nthreads()}
    return bool(hosts) and hosts <= {"127.0.0.1", "localhost", "::1"}


def scheduler_address(path):
    """The address in a scheduler file (JSON with an "address" field).

    distributed itself waits forever for a scheduler file that does not exist yet; a run fails
    at once instead.

    Raises:
        ClusterError: the file is missing, unreadable or holds no address.
    """
    try:
        with open(path, encoding="utf-8") as handle:
            address = json.load(handle).get("address")
    except FileNotFoundError:
        raise ClusterError(f"{path}: no such scheduler file (start one with `dask scheduler "
                           f"--scheduler-file {path}`)") from None
    except (OSError, ValueError, AttributeError) as exc:
        raise ClusterError(f"{path}: not a readable Dask scheduler file ({_reason(exc)})") from None
    if not isinstance(address, str) or not address:
        raise ClusterError(f"{path}: not a Dask scheduler file (no \"address\" field)")
    return address


def _reason(exc):
    text = str(exc).strip().splitlines()
    return text[0] if text and text[0] else type(exc).__name__


def shared_paths_missing(session, paths, writable):
    """What each worker cannot see: {worker address: [paths it cannot read (or, for the paths in
    `writable`, write)]}, only workers that miss something."""
    missing = session.client.run(_missing_paths, list(paths), list(writable))
    return {address: found for address, found in sorted(missing.items()) if found}


def _missing_paths(paths, writable):
    """On a worker: the paths it cannot read, and the folders in `writable` it cannot write."""
    missing = [path for path in paths if not os.access(path, os.R_OK)]
    unwritable = [path for path in writable if not os.access(path, os.W_OK | os.X_OK)]
    return missing + [path for path in unwritable if path not in missing]
