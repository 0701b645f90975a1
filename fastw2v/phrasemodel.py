"""`fastw2v.Phrases`: phrase detection with gensim 4's names (``Phrases(sentences, min_count,
threshold, ...)``, ``phrases[sentence]``, ``export_phrases()``, ``freeze()``), counted and
scored by the compiled engine of `fastw2v phrases` (`fastw2v.phrases`), so that Python and the
command line find the same phrases on the same text.

What differs from gensim, and why (docs/phrases.md has the full list): the default scoring is
the word2vec C tool's, scaled by the corpus's tokens (gensim scales it by its table's size), so
the default threshold is the C tool's 100 (gensim's is 10); pairs are counted across sentence
ends, as the C tool counts them, though never joined across them.
"""

import itertools
import json
import math
import os
import tempfile

from fastw2v import reader
from fastw2v.atomic import atomic_write
from fastw2v.errors import ConfigError, FormatError
from fastw2v.phrases import SCORINGS, PhraseConfig, choose_phrases, count_pairs
from fastw2v.rawcorpus import read_sentences

KIND, VERSION = "fastw2v-phrases", 2
ENGLISH_CONNECTOR_WORDS = frozenset("a an the for of with without at from to in on by and or".split())
_FIXED = {"progress_per": (10000, "the compiled counter logs no per-sentence progress")}


class FrozenPhrases:
    """Phrases found, ready to join sentences (gensim's ``FrozenPhrases``): no counts.

    Attributes:
        phrasegrams: dict str -> float, each phrase's string and score (`export_phrases`).
        threshold, min_count, scoring, delimiter, connector_words: the settings they were
            found with.
    """

    def __init__(self, phrases, settings):
        """phrases: dict tuple of str (a phrase's words) -> score; settings: dict of the
        `Phrases` settings."""
        self.min_count = settings["min_count"]
        self.threshold = settings["threshold"]
        self.scoring = settings["scoring"]
        self.delimiter = settings["delimiter"]
        self.connector_words = frozenset(settings.get("connector_words", ()))
        self._joins = {words: (self.delimiter.join(words), score) for words, score in phrases.items()}
        self.phrasegrams = {}
        for text, score in self._joins.values():
            self.phrasegrams[text] = max(score, self.phrasegrams.get(text, -math.inf))

    def __getitem__(self, sentence):
        """One sentence (list of str) with its phrases joined, greedily from the left as
        word2phrase joins (a word joined to the one before it does not join the next); or, given
        an iterable of sentences, a generator of them (gensim's rule)."""
        single, sentence = _is_single(sentence)
        if single:
            return [token for token, _ in self.analyze_sentence(sentence)]
        return ([token for token, _ in self.analyze_sentence(each)] for each in sentence)

    def analyze_sentence(self, sentence):
        """gensim's: (token, score) for each token of the joined sentence, score None for a
        word. A word that is not a connector ends the open candidate (the word before it that is
        not one, and the connectors between) into a phrase where it is one, and else opens the
        next candidate; a connector never starts or ends one."""
        out, start, between = [], None, []
        joins, connectors = self._joins, self.connector_words
        for word in sentence:
            if word in connectors:
                if start is None:
                    out.append((word, None))
                else:
                    between.append(word)
                continue
            if start is not None:
                joined = joins.get((start, *between, word))
                if joined is not None:
                    out.append(joined)
                    start, between = None, []
                    continue
                out.append((start, None))
                out.extend((other, None) for other in between)
            start, between = word, []
        if start is not None:
            out.append((start, None))
            out.extend((other, None) for other in between)
        return out

    def find_phrases(self, sentences):
        """dict str -> float: the phrases that joining `sentences` makes, with their scores."""
        found = {}
        for sentence in sentences:
            for token, score in self.analyze_sentence(sentence):
                if score is not None:
                    found[token] = score
        return found

    def export_phrases(self):
        """dict str -> float: every phrase and its score (the higher one where two pairs join into
        the same string)."""
        return dict(self.phrasegrams)

    def _phrases(self):
        """dict tuple of str (a phrase's words) -> score of every phrase."""
        return {words: score for words, (_, score) in self._joins.items()}

    def save(self, path):
        """Write the phrases and settings as JSON (never pickle), atomically."""
        phrases = [[list(words), score] for words, score in self._phrases().items()]
        document = {"kind": KIND, "version": VERSION, "settings": self._settings(), "phrases": phrases}
        with atomic_write(path, "w") as handle:
            json.dump(document, handle, ensure_ascii=False)

    @classmethod
    def load(cls, path):
        """Phrases written by `save` (a `Phrases` file loads as FrozenPhrases).

        Raises:
            FormatError: not such a file, or damaged.
        """
        try:
            with open(path, encoding="utf-8") as handle:
                document = json.load(handle)
            if document.get("kind") != KIND or document.get("version") not in (1, VERSION):
                raise ValueError(f"not a {KIND} file of version 1 or {VERSION}")
            if document["version"] == 1:  # pairs of words, before connector words
                phrases = {(str(a), str(b)): float(score) for a, b, score in document["pairs"]}
                document["settings"].setdefault("connector_words", [])
            else:
                if not all(isinstance(words, list) for words, _ in document["phrases"]):
                    raise ValueError("a phrase's words are not a list")
                phrases = {tuple(str(word) for word in words): float(score)
                           for words, score in document["phrases"]}
            if any(len(words) < 2 for words in phrases):
                raise ValueError("a phrase of fewer than two words")
            return FrozenPhrases(phrases, _checked_settings(document["settings"]))
        except OSError as exc:
            raise FormatError(f"{path}: cannot read it ({exc.strerror or exc})") from None
        except (ValueError, KeyError, TypeError, AttributeError, ConfigError) as exc:
            raise FormatError(f"{path}: not a phrases file written by fastw2v ({exc})") from None

    def _settings(self):
        return {"min_count": self.min_count, "threshold": self.threshold, "scoring": self.scoring,
                "delimiter": self.delimiter, "connector_words": sorted(self.connector_words)}

    def __len__(self):
        return len(self.phrasegrams)

    def __str__(self):
        return (f"{type(self).__name__}<{len(self.phrasegrams)} phrases, min_count={self.min_count}, "
                f"threshold={self.threshold}>")


class Phrases(FrozenPhrases):
    """Phrases of a corpus, found as `fastw2v phrases` finds them, with gensim 4's names.

    ``Phrases(sentences)`` or ``Phrases(corpus_file=PATH)`` counts the corpus once (compiled,
    on `workers` threads) and keeps the phrases: the pairs seen at least `min_count` times (both
    words too) whose score is strictly above `threshold`. ``phrases[sentence]`` joins them.
    For trigrams, run it again on the joined corpus, as with gensim:
    ``Phrases(bigram[sentences])``.

    Args:
        sentences: iterable of lists of str (read once), or None with corpus_file.
        min_count: int >= 1. threshold: float, > 0 for "default", in [-1, 1] for "npmi".
        max_vocab_size: None, or the most distinct words + pairs counting holds (the rarest pairs
            are pruned past it, as the C tool prunes; counting then runs on one thread).
        delimiter: str without whitespace. scoring: "default" (the C tool's
            ``(pab - min_count) / pa / pb × tokens``) or "npmi" (gensim's).
        connector_words: iterable of str, words that may sit inside a phrase but never start
            or end one (gensim's; `ENGLISH_CONNECTOR_WORDS` is gensim's English set). They are
            no unigrams; a candidate is a word, the connectors after it and the next word.
        progress_per: accepted at gensim's default only.
        corpus_file: a path or list of paths (files, directories, .gz/.bz2, "-"), or None.
        workers: threads (None: every core).

    Attributes:
        corpus_word_count: int, the tokens counted. prunes: int, how often counting pruned.
        phrasegrams: dict str -> float (`FrozenPhrases`).
    Raises:
        ConfigError: a bad setting, or neither or both corpus arguments.
        DatasetError: unreadable input.
    """

    def __init__(self, sentences=None, min_count=5, threshold=100.0, max_vocab_size=None, delimiter="_",
                 progress_per=10000, scoring="default", connector_words=frozenset(), corpus_file=None,
                 workers=None):
        honoured, why = _FIXED["progress_per"]
        if progress_per != honoured:
            raise ConfigError(f"progress_per={progress_per!r} is not supported: {why}; leave it out")
        if isinstance(connector_words, (str, bytes)):
            raise ConfigError("give connector_words as a collection of words, not a str")
        connector_words = frozenset(connector_words)
        if callable(scoring):
            raise ConfigError(f"scoring must be one of {', '.join(SCORINGS)}; a scoring function would "
                              "run per pair in Python")
        config = PhraseConfig(min_count=min_count, threshold=threshold, scoring=scoring, delimiter=delimiter,
                              max_entries=max_vocab_size, connector_words=connector_words)
        if scoring == "default" and not threshold > 0:  # gensim's rule: else every kept pair joins
            raise ConfigError(f"threshold must be > 0 for the default scoring, not {threshold!r}")
        if (sentences is None) == (corpus_file is None):
            raise ConfigError("give exactly one of sentences= or corpus_file=")
        threads = workers or os.cpu_count() or 1
        with tempfile.TemporaryDirectory(prefix="fastw2v-phrases-") as spool:
            raw = _read(sentences, corpus_file, spool, threads)
            counted = count_pairs(raw, delimiter, threads, max_vocab_size, connector_words)
            chosen = choose_phrases(counted, config)
        self.corpus_word_count = counted.train_words
        self.prunes = counted.prunes
        self.max_vocab_size = max_vocab_size
        found = dict(zip(chosen.tokens(), map(float, chosen.scores.tolist())))
        super().__init__(found, {"min_count": min_count, "threshold": float(threshold), "scoring": scoring,
                                 "delimiter": delimiter, "connector_words": connector_words})

    def freeze(self):
        """A FrozenPhrases with the same phrases (gensim's, to drop the counts: fastw2v's Phrases
        keeps none already)."""
        return FrozenPhrases(self._phrases(), self._settings())

    def add_vocab(self, sentences):
        """Not supported: the counts are not kept (count the whole corpus in one `Phrases`)."""
        raise NotImplementedError("fastw2v's Phrases keeps no counts to add to: count the whole corpus "
                                  "at once (Phrases(itertools.chain(first, more)))")


def _read(sentences, corpus_file, spool, threads):
    if sentences is not None:
        return read_sentences(sentences, spool)
    paths = [corpus_file] if isinstance(corpus_file, (str, os.PathLike)) else list(corpus_file)
    return reader.read_text(reader.plan_pieces(reader.input_files(paths), threads), spool, threads,
                            reader.warn_bad_utf8)


def _is_single(sentence):
    """(whether `sentence` is one sentence rather than a corpus, the same items): gensim's rule,
    an iterable that is empty or whose first item is a str is one sentence; an iterator's
    first item is looked at and put back.

    Raises:
        ConfigError: a str (its characters would be its words).
    """
    if isinstance(sentence, (str, bytes)):
        raise ConfigError("give a sentence as a list of words, not a str")
    if isinstance(sentence, (list, tuple)):
        return (not sentence or isinstance(sentence[0], str)), sentence
    items = iter(sentence)
    first = next(items, None)
    if first is None:
        return True, []
    return isinstance(first, str), itertools.chain([first], items)


def _checked_settings(settings):
    settings = dict(settings, connector_words=frozenset(settings["connector_words"]))
    PhraseConfig(min_count=settings["min_count"], threshold=settings["threshold"],
                 scoring=settings["scoring"], delimiter=settings["delimiter"],
                 connector_words=settings["connector_words"])
    return settings
