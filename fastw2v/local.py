"""This machine as a backend (`fastw2v.backend.Backend`): the corpus read and encoded here, the
plan's jobs trained on `config.workers` threads of this process."""

import os
import shutil
import tempfile
import time

import numpy as np
from tqdm import tqdm

from fastw2v import corpus as corpus_mod
from fastw2v import reader
from fastw2v.rawcorpus import read_sentences
from fastw2v.backend import Backend, Prepared, Trained, VocabularyRule
from fastw2v.errors import ConfigError, DatasetError
from fastw2v.plan import Progress, TrainingPlan, run_threads
from fastw2v.vocab import vocabulary_of
from fastw2v.weights import output_rows

PHRASE_SPOOL = "phrase-passes"  # the phrase passes' spool folder, under the corpus's folder


class LocalBackend(Backend):
    """Reads, encodes and trains in this process."""

    def build_vocab(self, config, sentences, corpus_file, corpus_dir, where=None, rule=None):
        """`Backend.build_vocab`: the corpus is read once, counted, and encoded to a memory-mapped
        id array in `corpus_dir` (kept) or a temporary folder (removed with the model).

        Raises:
            ConfigError: neither or both corpus arguments given.
            DatasetError: unreadable files, or no word reaches min_count.
        """
        rule = rule or VocabularyRule()
        if (sentences is None) == (corpus_file is None):
            raise ConfigError("give exactly one of sentences= or corpus_file=")
        files = None if corpus_file is None else reader.input_files(source_paths(corpus_file))
        workdir = None
        if corpus_dir is None:
            workdir = tempfile.TemporaryDirectory(prefix="fastw2v-corpus-")
            directory = workdir.name
        else:
            os.makedirs(corpus_dir, exist_ok=True)
            corpus_dir = directory = os.path.abspath(corpus_dir)
        if files is None:
            raw = read_sentences(sentences, directory)
        else:
            raw = reader.read_text(reader.plan_pieces(files, config.workers), directory, config.workers,
                                   reader.warn_bad_utf8)
        found = None
        try:
            if rule.phrases is not None:  # a failed pass leaves its spool under PHRASE_SPOOL: removed below
                from fastw2v import phrasing  # its kernels load only where phrases are asked for

                raw, found = phrasing.run_passes(raw, rule.phrases, config.workers,
                                                 os.path.join(directory, PHRASE_SPOOL))
            choose = rule.choose or (lambda words, counts, tokens: new_vocabulary(config, rule, words, counts,
                                                                                  tokens, raw.sort_keys))
            vocab, vocab_ids = choose(raw.words, raw.counts, raw.n_tokens)
            corpus = corpus_mod.encode(raw, vocab_ids, directory, threads=config.workers, consume=True)
        except DatasetError as exc:
            raise DatasetError(f"{describe_source(corpus_file)}: {exc}") from None
        finally:
            raw.remove()
            _remove_phrase_spools(directory)
        return Prepared(vocab, corpus, corpus_dir, workdir, tokens=raw.n_tokens, sentences=raw.n_lines,
                        raw_counts=raw.word_counts() if rule.keep_raw_counts else None,
                        phrases_found=found)

    def train(self, state, show_progress, checkpoint):
        """`Backend.train`: the rest of an unfinished run, else a new run of `config.epochs`
        epochs; checkpoints at job boundaries every `checkpoint.every` seconds and on Ctrl-C
        (before the KeyboardInterrupt goes on)."""
        if state.corpus is None:
            raise ConfigError("this model has no corpus to train on: build_vocab() first, or load "
                              "a checkpoint whose encoded corpus is still there")
        try:
            plan = TrainingPlan(state.config, state.vocab, state.corpus,
                                subword_index(state.config, state.vocab))
            if state.progress is None or state.progress.next_job >= len(plan.jobs):
                state.progress = Progress(state.config.epochs)
            progress = state.progress
            start, words_before, kept_before = time.perf_counter(), progress.words, progress.kept
            self._run(plan, state, show_progress, checkpoint)
        except KeyboardInterrupt:  # wherever it lands, the jobs done so far are kept
            if checkpoint:
                state.save(checkpoint.path, checkpoint.run, True, state.progress)
            raise
        seconds = time.perf_counter() - start
        words = progress.words - words_before
        return Trained({"words": words, "kept": progress.kept - kept_before, "seconds": seconds,
                        "words_per_second": words / max(seconds, 1e-9), "pairs": int(progress.pairs.sum())})

    @staticmethod
    def _run(plan, state, show_progress, checkpoint):
        """The plan's remaining jobs on the threads, checkpointed every `checkpoint.every` seconds;
        with `state.epoch_events`, the threads stop at each epoch's end to tell it, and each epoch
        this call trains (a resumed one too) begins with ``begin`` and ends with ``end``; the
        learning rates of `state.config` are followed from the next epoch on."""
        progress, events = state.progress, state.epoch_events
        V, U = state.vectors, state.outputs.matrix(output_rows(state.config, len(state.vocab)))
        per_epoch = max(1, plan.jobs_per_epoch)
        deadline = time.monotonic() + checkpoint.every if checkpoint else None
        begun = None
        with tqdm(total=plan.total_words, initial=progress.words, unit="word", unit_scale=True,
                  disable=not show_progress, smoothing=0.1, dynamic_ncols=True) as bar:
            while progress.next_job < len(plan.jobs):
                epoch = progress.next_job // per_epoch
                if events is not None and begun != epoch:
                    events.begin(epoch)
                    begun = epoch
                    plan.config = state.config
                stop_job = (epoch + 1) * per_epoch if events is not None else len(plan.jobs)
                run_threads(plan, V, U, progress, bar, deadline, stop_job)
                if events is not None and progress.next_job == stop_job:
                    events.end(epoch)
                    plan.config = state.config
                if checkpoint and progress.next_job < len(plan.jobs) and time.monotonic() >= deadline:
                    state.save(checkpoint.path, checkpoint.run, True, progress)
                    deadline = time.monotonic() + checkpoint.every


def subword_index(config, vocab):
    """The vocabulary's `subwords.SubwordIndex` when `config` trains n-grams, else None."""
    if not config.subwords:
        return None
    from fastw2v.subwords import SubwordIndex

    return SubwordIndex.build(list(vocab.words), config.minn, config.maxn, config.bucket)


def _remove_phrase_spools(directory):
    shutil.rmtree(os.path.join(directory, PHRASE_SPOOL), ignore_errors=True)


def new_vocabulary(config, rule, words, counts, tokens, sort_keys=None):
    """A new vocabulary of the words read, by the settings and `rule` (`backend.VocabularyRule`):
    (Vocabulary, int32 vocabulary id of each word read, -1 for one left out). sort_keys: the
    reader's (`RawCorpus.sort_keys`), or None."""
    vocab, kept = vocabulary_of(words, counts, tokens, config.min_count, config.max_vocab_size,
                                rule.trim_rule, rule.max_final_vocab, sort_keys)
    vocab_ids = np.full(len(words), -1, dtype=np.int32)
    vocab_ids[kept] = np.arange(kept.size, dtype=np.int32)
    return vocab, vocab_ids


def source_paths(corpus_file):
    """corpus_file (a path, or a list of paths) as a list."""
    return [corpus_file] if isinstance(corpus_file, (str, os.PathLike)) else list(corpus_file)


def describe_source(corpus_file, most=3):
    """The corpus as an error message names it: its first paths, or 'sentences'."""
    if corpus_file is None:
        return "sentences"
    paths = source_paths(corpus_file)
    shown = ", ".join(os.fspath(p) for p in paths[:most])
    return shown + (f" and {len(paths) - most} more" if len(paths) > most else "")

