"""Shards: the parts of the input that workers read, count and encode in parallel.

A shard is an input file, or a byte range of a plain file cut just after a newline (after a
space or tab where no newline comes within 1 MiB: such a line becomes two sentences there).
Every task here reads and writes only in the run's work folder, which every worker can see, and
publishes its output by renaming a finished folder: a task that is rerun (its worker died, or
Dask ran it twice) finds the output there or writes the same output again.

Work folder layout: ``vocab/`` (``words.txt``: one word a line, id order; ``counts.npy``), and
one ``shard-NNNNN/`` per shard holding ``raw/`` (provisional ids from `reader.read_text`, removed once
encoded) and ``encoded/`` (`corpus.encode`'s ``ids.npy`` and ``offsets.npy``).
"""

import functools
import json
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass

import numpy as np

from fastw2v import corpus, reader, textscan
from fastw2v.rawcorpus import RawCorpus
from fastw2v.atomic import atomic_write
from fastw2v.cluster.connect import gather
from fastw2v.errors import ConfigError, DatasetError, InputWarning
from fastw2v.vocab import Vocabulary, build_vocabulary

SHARDS_PER_LANE = 2  # a few shards per lane keep every worker busy while counting
MIN_SHARD_BYTES = 1 << 20
MAX_SHARD_BYTES = 256 << 20
CUT_SEARCH_BYTES = 1 << 20
COMPRESSED = (".gz", ".bz2")
RAW, ENCODED, VOCAB = "raw", "encoded", "vocab"
SHARD_PREFIX = "shard-"


@dataclass(frozen=True)
class ShardSource:
    """A part of the input: a whole file (stop None), or bytes [start, stop) of a plain file.

    Attributes:
        path: str, an absolute path every worker can read.
        start, stop: int byte offsets, or 0 and None for the whole file.
    """

    path: str
    start: int = 0
    stop: int = None

    @property
    def label(self):
        """How messages name it: the path, with the byte range when it is one."""
        return self.path if self.stop is None else f"{self.path} (bytes {self.start:,}-{self.stop:,})"


def plan_sources(inputs, lanes, target_bytes=None):
    """Cut the inputs into shards: plain files larger than the target into byte ranges, the rest
    whole, in input order.

    Args:
        inputs: paths of files or directories (as `reader.input_files` reads them).
        lanes: int, the run's lanes; the target is SHARDS_PER_LANE shards per lane.
        target_bytes: int, bytes per shard (None: from the input's size and `lanes`).
    Returns:
        list of ShardSource.
    Raises:
        ConfigError: standard input among the inputs (workers cannot read it).
        DatasetError: a missing input, or a file that cannot be opened.
    """
    files = reader.input_files(inputs)
    if reader.STDIN in files:
        raise ConfigError("standard input (-) cannot be read by the cluster's workers: save it to "
                          "a file on a filesystem every worker shares")
    files = [os.path.abspath(path) for path in files]
    sizes = [os.path.getsize(path) for path in files]
    if target_bytes is None:
        share = -(-sum(sizes) // (SHARDS_PER_LANE * lanes))
        target_bytes = min(MAX_SHARD_BYTES, max(MIN_SHARD_BYTES, share))
    sources = []
    for path, size in zip(files, sizes):
        parts = 1 if path.endswith(COMPRESSED) else max(1, round(size / target_bytes))
        bounds = [0] + (cut_points(path, size, parts) if parts > 1 else []) + [size]
        if len(bounds) == 2:
            sources.append(ShardSource(path))
        else:
            sources.extend(ShardSource(path, lo, hi) for lo, hi in zip(bounds, bounds[1:]))
    return sources


def cut_points(path, size, parts):
    """Byte offsets, ascending and inside (0, size), that cut a file into about `parts` pieces:
    each just after the first newline at or after k·size/parts (after the first space or tab
    when no newline comes within CUT_SEARCH_BYTES; no cut when neither does)."""
    cuts = []
    try:
        with open(path, "rb") as handle:
            for k in range(1, parts):
                mark = max(k * size // parts - 1, cuts[-1] if cuts else 0)
                handle.seek(mark)
                block = handle.read(CUT_SEARCH_BYTES)
                at = block.find(b"\n")
                if at < 0:
                    at = min((i for i in map(block.find, textscan.CUT_BYTES) if i >= 0), default=-1)
                cut = mark + at + 1
                if at >= 0 and cut < size and (not cuts or cut > cuts[-1]):
                    cuts.append(cut)
    except OSError as exc:
        raise DatasetError(f"{path}: cannot open ({exc.strerror or exc})") from exc
    return cuts


def source_piece(source):
    """The shard as the reader's piece: its end ends a line, as a file's end does; messages name
    the shard's `label` and count lines from its start."""
    if source.stop is None:
        return reader.file_piece(source.path, source.label)
    return reader.Piece(source.path, source.start, source.stop, True, source.label)


@dataclass(frozen=True)
class ShardCount:
    """What counting a shard found (a worker task's result).

    Attributes:
        words: list of str, the shard's distinct words (first appearance order).
        counts: int64 (len(words),). bad_utf8: (label, line) of its first bytes that are not
        UTF-8, or None.
    """

    words: list
    counts: np.ndarray
    bad_utf8: tuple = None


def count_shard(source, shard_dir):
    """Worker task: read a shard once, spool its provisional ids to ``shard_dir/raw/`` and return
    its word counts. Rerun after it finished, it returns what it wrote.

    Returns:
        ShardCount.
    Raises:
        DatasetError: the shard cannot be read or is not text.
    """
    final = os.path.join(shard_dir, RAW)
    if not os.path.isdir(final):
        staging = tempfile.mkdtemp(prefix=".tmp-raw-", dir=shard_dir)
        try:
            first_bad = []
            raw = reader.read_text([source_piece(source)], staging,
                                   on_bad_utf8=lambda label, line: first_bad.append((label, line)))
            raw.save()
            with open(os.path.join(staging, "info.json"), "w", encoding="utf-8") as handle:
                json.dump({"bad_utf8": first_bad[0] if first_bad else None}, handle)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _publish(staging, final)
    raw = RawCorpus.load(final)
    with open(os.path.join(final, "info.json"), encoding="utf-8") as handle:
        bad = json.load(handle)["bad_utf8"]
    return ShardCount(raw.words, raw.counts, tuple(bad) if bad else None)


def _publish(staging, final):
    """Rename a finished folder into place; when another run of the task got there first, keep
    theirs (they hold the same data)."""
    try:
        os.rename(staging, final)
    except OSError:
        if not os.path.isdir(final):
            raise
        shutil.rmtree(staging, ignore_errors=True)


def _read_words(path):
    """Words saved one a line (a word never holds a newline: tokens are split on whitespace)."""
    with open(path, "rb") as handle:
        text = handle.read().decode("utf-8")
    return text.split("\n") if text else []


def encode_shard(shard_dir, vocab_dir):
    """Worker task: encode a counted shard with the run's vocabulary into ``shard_dir/encoded/``
    (`corpus.encode`), then drop its raw ids. Rerun after it finished, it returns the same.

    Returns:
        (words, sentences): int, the encoded shard's in-vocabulary tokens and sentences.
    """
    final = os.path.join(shard_dir, ENCODED)
    if not os.path.isdir(final):
        raw = RawCorpus.load(os.path.join(shard_dir, RAW))
        staging = tempfile.mkdtemp(prefix=".tmp-encoded-", dir=shard_dir)
        try:
            corpus.encode(raw, raw.vocab_ids(read_vocabulary(vocab_dir).index), staging)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _publish(staging, final)
    shutil.rmtree(os.path.join(shard_dir, RAW), ignore_errors=True)
    encoded = corpus.EncodedCorpus.load(final)
    return encoded.n_words, encoded.n_sentences


def write_vocabulary(vocab, work_dir):
    """Save the run's vocabulary where every worker reads it: ``work_dir/vocab/``. Returns that folder."""
    directory = os.path.join(work_dir, VOCAB)
    os.makedirs(directory, exist_ok=True)
    with atomic_write(os.path.join(directory, "counts.npy")) as handle:
        np.save(handle, np.asarray(vocab.counts, dtype=np.int64))
    with atomic_write(os.path.join(directory, "words.txt")) as handle:
        handle.write("\n".join(vocab.words).encode("utf-8"))
    with atomic_write(os.path.join(directory, "total.json"), "w") as handle:
        json.dump({"total_words": int(vocab.total_words)}, handle)
    return directory


def read_vocabulary(vocab_dir):
    """The Vocabulary saved by `write_vocabulary`, cached per process while the files are unchanged."""
    stat = os.stat(os.path.join(vocab_dir, "words.txt"))
    return _read_vocabulary(vocab_dir, (stat.st_ino, stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=2)
def _read_vocabulary(vocab_dir, stamp):
    with open(os.path.join(vocab_dir, "total.json"), encoding="utf-8") as handle:
        total = json.load(handle)["total_words"]
    return Vocabulary(words=tuple(_read_words(os.path.join(vocab_dir, "words.txt"))),
                      counts=np.load(os.path.join(vocab_dir, "counts.npy")), total_words=total)


@dataclass(frozen=True)
class ShardedCorpus:
    """The encoded corpus of a cluster run: one `corpus.EncodedCorpus` per shard, in input order.

    Attributes:
        work_dir: str, the absolute work folder. names: tuple of str, each shard's folder in it.
        words, sentences: tuples of int, per shard.
    """

    work_dir: str
    names: tuple
    words: tuple
    sentences: tuple

    @property
    def n_words(self):
        return int(sum(self.words))

    @property
    def n_sentences(self):
        return int(sum(self.sentences))

    @property
    def vocab_dir(self):
        return os.path.join(self.work_dir, VOCAB)

    def shard_dir(self, shard):
        """The folder of shard `shard`'s encoded corpus (`corpus.EncodedCorpus.load` opens it)."""
        return os.path.join(self.work_dir, self.names[shard], ENCODED)

    def offsets(self, shard):
        """Shard `shard`'s sentence offsets, memory-mapped: int64 (sentences + 1,)."""
        return np.load(os.path.join(self.shard_dir(shard), "offsets.npy"), mmap_mode="r")

    def to_run(self):
        """What a checkpoint keeps (JSON)."""
        return {"work_dir": self.work_dir,
                "shards": [[n, w, s] for n, w, s in zip(self.names, self.words, self.sentences)]}

    @classmethod
    def from_run(cls, saved):
        """Reopen the corpus a checkpoint names.

        Raises:
            DatasetError: its work folder or a shard is gone or changed.
        """
        work_dir, shards = saved["work_dir"], saved["shards"]
        columns = [tuple(column) for column in zip(*shards)] if shards else [(), (), ()]
        corpus_ = cls(work_dir, *columns)
        for shard, (_, words, sentences) in enumerate(shards):
            try:
                found = corpus.EncodedCorpus.load(corpus_.shard_dir(shard))
            except (OSError, ValueError):
                raise DatasetError(f"the encoded shards of this cluster run in {work_dir} are gone: "
                                   "start the run again") from None
            if (found.n_words, found.n_sentences) != (words, sentences):
                raise DatasetError(f"{corpus_.shard_dir(shard)}: this encoded shard has changed "
                                   f"({found.n_words} words, {words} saved)")
        return corpus_


def build_sharded_corpus(client, sources, work_dir, config, describe, token):
    """Driver step: count the shards on the workers, merge the counts into the vocabulary (on
    the driver, once), write it to the work folder, and encode every shard with it on the workers.

    Args:
        client: distributed.Client. sources: list of ShardSource. work_dir: str, shared.
        config: TrainConfig (min_count, max_vocab_size). describe: str naming the input in errors.
        token: str, unique to the run: its tasks' keys.
    Returns:
        (ShardedCorpus, Vocabulary).
    Raises:
        DatasetError: unreadable input, or no word reaches min_count.
        ClusterError: the cluster failed (`connect.gather`).
    """
    for name in os.listdir(work_dir):  # what an earlier run left here
        if name.startswith(SHARD_PREFIX) or name == VOCAB:
            shutil.rmtree(os.path.join(work_dir, name), ignore_errors=True)
    names = tuple(f"{SHARD_PREFIX}{i:05d}" for i in range(len(sources)))
    dirs = [os.path.join(work_dir, name) for name in names]
    for directory in dirs:
        os.makedirs(directory)
    counted = gather(client, client.map(count_shard, sources, dirs, retries=1, pure=False,
                                        key=[f"fastw2v-count-{token}-{i}" for i in range(len(dirs))]),
                     f"counting {describe}")
    totals = {}
    for found in counted:
        for word, count in zip(found.words, found.counts.tolist()):
            totals[word] = totals.get(word, 0) + count
    bad = next((found.bad_utf8 for found in counted if found.bad_utf8), None)
    if bad:
        warnings.warn(f"{bad[0]}:{bad[1]}: bytes that are not UTF-8; they are read as U+FFFD (said "
                      "once per corpus)", InputWarning, stacklevel=3)
    try:
        vocab = build_vocabulary(totals, sum(int(found.counts.sum()) for found in counted),
                                 config.min_count, config.max_vocab_size)
    except DatasetError as exc:
        raise DatasetError(f"{describe}: {exc}") from None
    vocab_dir = write_vocabulary(vocab, work_dir)
    sizes = gather(client, client.map(encode_shard, dirs, [vocab_dir] * len(dirs), retries=1, pure=False,
                                      key=[f"fastw2v-encode-{token}-{i}" for i in range(len(dirs))]),
                   f"encoding {describe}")
    words, sentences = zip(*sizes) if sizes else ((), ())
    return ShardedCorpus(work_dir, names, tuple(words), tuple(sentences)), vocab
