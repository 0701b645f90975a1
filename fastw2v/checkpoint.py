"""A model on disk: settings, vocabulary, both matrices, the run's progress and where its encoded
corpus is, in the native format (`native.save_native`: .npz + JSON, no pickle).

A checkpoint is such a file written during training at a job boundary (every job before
``progress.next_job`` done, none after), so a run loaded from it and trained to the end is the run
that was interrupted: with one thread and a seed, byte-identical.
"""

import os
from dataclasses import dataclass

import numpy as np

from fastw2v import formats, native
from fastw2v.config import TrainConfig
from fastw2v.corpus import EncodedCorpus
from fastw2v.errors import FastW2VError, FormatError
from fastw2v.plan import CURVE_POINTS, LossCurve, Progress
from fastw2v.vocab import Vocabulary
from fastw2v.weights import inner_node_rows, word_output_rows

KIND = "fastw2v-model"
VERSION = 2  # 2: the Huffman tree breaks ties as the C tool and fastText (`huffman`)
READABLE_VERSIONS = (1, 2)
CURVE_ARRAYS = (("words", np.int64), ("jobs", np.int64), ("pairs", np.int64), ("loss", np.float64))


@dataclass(frozen=True)
class ModelState:
    """What `load_model` read, validated.

    Attributes:
        config: dict of TrainConfig settings. vocab: Vocabulary.
        vectors: float32 (Vocab, D), the word vectors (with n-grams, each word's mean).
        input_rows: with n-grams, float32 (Vocab + bucket, D), the input rows of the words, then
            of the n-grams; else None.
        syn1neg: float32 (Vocab, D), or None for hierarchical softmax alone. syn1: float32
        (Vocab - 1, D) or None.
        progress: Progress or None.
        corpus_dir: absolute path of the encoded corpus, or None when there is none (any more).
        run: dict saved by the caller of `save_model`.
        attributes: dict of the model's own JSON attributes (`Word2Vec.saved_attributes`).
        untrainable: None, or why the model answers queries but must not train on (str).
    """

    config: dict
    vocab: Vocabulary
    vectors: np.ndarray
    syn1neg: object  # float32 (Vocab, D), or None when the loss scores no word
    syn1: object  # float32 (Vocab - 1, D) for hierarchical softmax, else None
    progress: Progress
    corpus_dir: str
    run: dict
    attributes: dict
    input_rows: object = None
    untrainable: str = None


def save_model(path, model, run, with_corpus):
    """Write `model` (a trained or training Word2Vec) to `path` atomically; `run`: a JSON dict.
    with_corpus: record where the model's kept encoded corpus is (a checkpoint), if it has one."""
    progress = model.progress
    if model.config.subwords:
        model.wv.invalidate()  # the words' means of the rows as they are now (mid-run too)
    arrays = {"vectors": model.wv.vectors, "counts": model.vocab.counts}
    if model.config.subwords:  # the vectors are the words' means; training needs their rows
        rows = model._input_rows()
        arrays.update(vocab_rows=rows[:len(model.vocab)], ngram_vectors=rows[len(model.vocab):])
    for name in ("syn1neg", "syn1"):
        if getattr(model, name) is not None:
            arrays[name] = getattr(model, name)
    metadata = {"kind": KIND, "version": VERSION, "config": model.config.to_dict(),
                "total_words": int(model.vocab.total_words), "run": run, "progress": None, "corpus": None,
                "model": model.saved_attributes(), "untrainable": model._untrainable}
    if progress is not None:
        arrays.update(progress_pairs=progress.pairs, progress_loss=progress.loss)
        arrays.update({f"progress_curve_{name}": getattr(progress.curve, name) for name, _ in CURVE_ARRAYS})
        metadata["progress"] = {"next_job": progress.next_job, "words": progress.words, "kept": progress.kept}
    if with_corpus and model.corpus_dir is not None and model.corpus is not None:
        base = os.path.dirname(os.path.abspath(path))
        metadata["corpus"] = {"dir": os.path.relpath(model.corpus_dir, base),
                              "words": model.corpus.n_words, "sentences": model.corpus.n_sentences}
    native.save_native(path, list(model.vocab.words), arrays, metadata)


def load_model(path):
    """Read and validate a file written by `save_model`.

    Returns:
        ModelState.
    Raises:
        FormatError: not a fastw2v model file (a gensim pickle is refused with a message that says
            how to convert it), or inconsistent contents (the file is named).
    """
    if formats.is_pickle(path):
        raise FormatError(f"{path}: a Python pickle, such as gensim's Word2Vec.save() writes; fastw2v "
                          "does not load pickles (loading one can run any code). Where gensim is installed, "
                          "write its vectors with Word2Vec.load(path).wv.save_word2vec_format(out, "
                          "binary=True) and read them with fastw2v.KeyedVectors.load_word2vec_format(out, "
                          "binary=True)")
    words, arrays, metadata = native.load_native(path)
    if metadata.get("kind") != KIND or metadata.get("version") not in READABLE_VERSIONS:
        raise FormatError(f"{path}: not a fastw2v model file (version {VERSION})")
    try:
        config = TrainConfig.from_dict(metadata["config"])
    except (KeyError, TypeError, FastW2VError) as exc:
        raise FormatError(f"{path}: bad settings in the model file ({exc})") from None
    shape = (len(words), config.vector_size)
    _require(path, "vectors", arrays, np.float32, shape)
    syn1neg = None  # files from before hierarchical softmax went without it keep a zero one: not read
    if word_output_rows(config, len(words)):
        _require(path, "syn1neg", arrays, np.float32, shape)
        syn1neg = arrays["syn1neg"]
    _require(path, "counts", arrays, np.int64, (len(words),))
    input_rows = None
    if config.subwords:
        _require(path, "vocab_rows", arrays, np.float32, shape)
        _require(path, "ngram_vectors", arrays, np.float32, (config.bucket, config.vector_size))
        input_rows = np.concatenate([arrays.pop("vocab_rows"), arrays.pop("ngram_vectors")])
    syn1, untrainable = None, metadata.get("untrainable")  # kept through saves
    if config.objective.hierarchical:
        if metadata["version"] == 1:
            untrainable = (f"{path}: a hierarchical-softmax model saved by an earlier fastw2v, whose Huffman "
                           "tree broke ties another way, so its syn1 rows do not fit this version's tree: it "
                           "answers queries, but train a new model rather than this one further")
        _require(path, "syn1", arrays, np.float32, (inner_node_rows(config, len(words)), config.vector_size))
        syn1 = arrays["syn1"]
    vocab = Vocabulary(words=tuple(words), counts=arrays["counts"],
                       total_words=int(metadata.get("total_words", 0)))
    return ModelState(config=config.to_dict(), vocab=vocab, vectors=arrays["vectors"],
                      syn1neg=syn1neg, syn1=syn1, progress=_progress(path, metadata, arrays, config),
                      corpus_dir=_corpus_dir(path, metadata), run=metadata.get("run") or {},
                      attributes=metadata.get("model") or {}, input_rows=input_rows, untrainable=untrainable)


def _require(path, name, arrays, dtype, shape):
    array = arrays.get(name)
    if array is None or array.dtype != dtype or array.shape != shape:
        found = "missing" if array is None else f"{array.dtype} {array.shape}"
        raise FormatError(f"{path}: {name} must be {np.dtype(dtype)} {shape}, found {found}")


def _progress(path, metadata, arrays, config):
    saved = metadata.get("progress")
    if saved is None:
        return None
    for name, dtype in (("progress_pairs", np.int64), ("progress_loss", np.float64)):
        _require(path, name, arrays, dtype, (config.epochs,))
    return Progress(config.epochs, next_job=saved["next_job"], words=saved["words"],
                    pairs=arrays["progress_pairs"], loss=arrays["progress_loss"],
                    curve=_loss_curve(path, arrays, saved), kept=saved.get("kept", 0))


def _loss_curve(path, arrays, saved):
    """The saved `LossCurve`, checked against the saved progress; None (an empty curve) for files
    written before curves were saved: a run resumed from one plots from the resume point."""
    names = [f"progress_curve_{name}" for name, _ in CURVE_ARRAYS]
    if not any(name in arrays for name in names):
        return None
    size = len(arrays.get(names[0], ()))
    for name, (_, dtype) in zip(names, CURVE_ARRAYS):
        _require(path, name, arrays, dtype, (size,))
    curve = [arrays[name] for name in names]
    if not _curve_fits(*curve, next_job=saved["next_job"], words_done=saved["words"]):
        raise FormatError(f"{path}: its loss curve does not match its progress "
                          f"({size} points, {saved['next_job']} jobs, {saved['words']} words done)")
    return LossCurve(*curve)


def _curve_fits(words, jobs, pairs, loss, next_job, words_done):
    """Whether curve columns (each (P,)) could have been recorded by `LossCurve` in this progress:
    at most CURVE_POINTS points, strictly increasing words ending at the words done, every point but
    the last holding the first one's power-of-two jobs, the last no more, and no more jobs in all
    than were done (fewer when the curve started at a resume point)."""
    if len(words) == 0:
        return True
    stride = int(jobs[0])
    return bool(len(words) <= CURVE_POINTS and stride >= 1 and stride & (stride - 1) == 0
                and np.all(jobs[:-1] == stride) and 1 <= jobs[-1] <= stride
                and int(jobs.sum()) <= next_job and np.all(np.diff(words) > 0)
                and int(words[-1]) == words_done and np.all(pairs >= 0) and np.all(np.isfinite(loss)))


def _corpus_dir(path, metadata):
    """The encoded corpus's folder when it is still there and is the one saved, else None."""
    saved = metadata.get("corpus")
    if saved is None:
        return None
    directory = os.path.join(os.path.dirname(os.path.abspath(path)), saved["dir"])
    try:
        corpus = EncodedCorpus.load(directory)
    except (OSError, ValueError):
        return None
    if corpus.n_words != saved["words"] or corpus.n_sentences != saved["sentences"]:
        raise FormatError(f"{path}: its encoded corpus in {directory} has changed "
                          f"({corpus.n_words} words, {saved['words']} saved)")
    return directory
