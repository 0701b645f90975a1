"""Phrase passes over a read corpus, before its vocabulary is built: each pass counts the pairs
(`fastw2v.phrases`), chooses the phrases and joins them (`fastw2v.phrasejoin`) into a new spooled
corpus that the next pass, or the vocabulary and the encoder, read. No text is written between
passes. `fastw2v phrases` writes the last pass's corpus as text; `fastw2v train --phrases N` and
``build_vocab(..., phrases=PhrasePasses(...))`` train on it.
"""

import math
import os
import warnings
from dataclasses import dataclass
from typing import Optional

from fastw2v.errors import ConfigError, InputWarning
from fastw2v.phrases import PhraseConfig

FLOAT32_MAX = 3.4028234663852886e38  # the default scoring compares in float32, as the C tool does


def pass_thresholds(threshold, passes, scoring, name="threshold"):
    """The threshold of each pass: pass k of N gets threshold × 2^(N-1-k) with the default
    scoring (the C tool's demo runs 200 then 100), `threshold` every pass with npmi (a bounded
    score: doubling a threshold above 0.5 would pass it beyond npmi's largest value, 1).
    `name`: how the errors name the threshold (the CLI's option).

    Returns:
        list of N float.
    Raises:
        ConfigError: a threshold that is not finite, <= 0 with the default scoring (every kept
            pair would join), outside (-1, 1] with npmi (at -1 every kept pair joins), or a first
            pass's threshold beyond float32's range.
    """
    if not isinstance(threshold, (int, float)) or not math.isfinite(threshold):
        raise ConfigError(f"{name} must be a finite number, not {threshold!r}")
    if scoring == "npmi":
        if not -1 < threshold <= 1:
            raise ConfigError(f"{name} {threshold:g}: an npmi threshold lies in (-1, 1] (npmi "
                              "lies in [-1, 1], and at -1 every pair seen min_count times would join)")
        return [float(threshold)] * passes
    if threshold <= 0:
        raise ConfigError(f"{name} {threshold:g}: the default scoring needs a threshold > 0 (at "
                          "0 or below every pair seen min_count times would join)")
    try:
        thresholds = [math.ldexp(threshold, passes - 1 - k) for k in range(passes)]
    except OverflowError:
        thresholds = [math.inf]
    if thresholds[0] > FLOAT32_MAX:
        raise ConfigError(f"{passes} phrase passes with {name} {threshold:g}: the first pass's "
                          f"threshold, {threshold:g} × 2^{passes - 1}, is beyond float32's range; "
                          "give fewer passes")
    return thresholds


@dataclass(frozen=True)
class PhrasePasses:
    """N phrase passes, as `fastw2v phrases` runs them (checked when made).

    Attributes:
        passes: int >= 1; pass k of N joins with `pass_thresholds`' k-th threshold.
        min_count, threshold, scoring, delimiter, max_entries, connector_words:
            `phrases.PhraseConfig`'s (threshold: the last pass's).
    """

    passes: int = 1
    min_count: int = 5
    threshold: float = 100.0
    scoring: str = "default"
    delimiter: str = "_"
    max_entries: Optional[int] = None
    connector_words: frozenset = frozenset()

    def __post_init__(self):
        if isinstance(self.passes, bool) or not isinstance(self.passes, int) or self.passes < 1:
            raise ConfigError(f"phrase passes must be an integer >= 1, not {self.passes!r}")
        self.configs()

    def configs(self):
        """One `PhraseConfig` per pass (list), each with its pass's threshold."""
        return [PhraseConfig(min_count=self.min_count, threshold=threshold, scoring=self.scoring,
                             delimiter=self.delimiter, max_entries=self.max_entries,
                             connector_words=self.connector_words)
                for threshold in pass_thresholds(self.threshold, self.passes, self.scoring)]


def run_passes(raw, passes, threads, spool, limit_name="max_entries"):
    """Count, choose and join once per pass, each over the joined corpus of the one before
    (spooled in a folder of its own under `spool`); each pass's input spool files are removed
    once it is joined, `raw`'s too. A pass whose table was pruned warns (`InputWarning`).

    Args:
        raw: RawCorpus. passes: PhrasePasses. threads: int >= 1. spool: a folder (made if missing).
        limit_name: how the messages name `max_entries` (the CLI's option).
    Returns:
        (the last joined RawCorpus, list of int: the phrases (pairs) each pass found).
    Raises:
        ConfigError: max_entries leaves no room for pairs beside a pass's words.
    """
    found = []
    for number, config in enumerate(passes.configs(), start=1):
        raw = _joined_pass(raw, config, number, threads, spool, limit_name, found)
    return raw, found


def write_passes(raw, passes, threads, spool, path, limit_name="max_entries"):
    """`run_passes`, but the last pass writes its joined text to `path` (atomically, on
    `threads` threads) rather than spooling a corpus; `raw` and every spool are removed.

    Returns:
        (the tokens written, list of int: the phrases each pass found).
    Raises:
        ConfigError: as `run_passes`. OutputError: the text cannot be written.
    """
    from fastw2v import phrasejoin

    found, configs = [], passes.configs()
    for number, config in enumerate(configs[:-1], start=1):
        raw = _joined_pass(raw, config, number, threads, spool, limit_name, found)
    chosen = _chosen(raw, configs[-1], len(configs), threads, limit_name)
    found.append(int(chosen.left.size))
    tokens = phrasejoin.write_text(raw, chosen, path, threads)
    raw.remove()
    return tokens, found


def _joined_pass(raw, config, number, threads, spool, limit_name, found):
    """Pass `number`'s joined corpus (in spool/phrases-pass-N); raw's spool is removed and the
    phrases it found appended to `found`."""
    from fastw2v import phrasejoin

    chosen = _chosen(raw, config, number, threads, limit_name)
    found.append(int(chosen.left.size))
    directory = os.path.join(spool, f"phrases-pass-{number}")
    os.makedirs(directory, exist_ok=True)
    joined = phrasejoin.join_corpus(raw, chosen, directory)
    raw.remove()
    return joined


def _chosen(raw, config, number, threads, limit_name):
    """Pass `number`'s phrases (`phrases.Phrases`): count, warn when pruned, choose."""
    from fastw2v import phrases

    entries = phrases.word_entries(raw.words, config.connector_words)
    if config.max_entries is not None and config.max_entries <= entries:
        raise ConfigError(f"{limit_name} {config.max_entries:,} leaves no room for pairs: "
                          f"pass {number} reads {entries:,} distinct words (connector words aside), "
                          "and the limit holds words and pairs together; give more than that")
    pairs = phrases.count_pairs(raw, config.delimiter, threads, config.max_entries, config.connector_words)
    if pairs.prunes:
        warnings.warn(f"phrase pass {number}: the rarest pairs were pruned {pairs.prunes:,} time(s) to "
                      f"stay within {limit_name} {config.max_entries:,}; the pair counts are then lower "
                      "bounds, and a few phrases may be missed", InputWarning, stacklevel=3)
    return phrases.choose_phrases(pairs, config)
