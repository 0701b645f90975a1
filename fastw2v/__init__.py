"""fastw2v: a word2vec trainer with a Numba-compiled hot loop and a checked textbook reference path.

The public names load on first use, so that ``import fastw2v`` (and the command line's start)
does not import Numba, NumPy's heavier parts or the kernels until they are needed::

    from fastw2v import Word2Vec, KeyedVectors, TrainConfig
"""

import importlib

__version__ = "0.1.0"

# Public name -> the module that defines it.
_PUBLIC = {
    "Word2Vec": "fastw2v.train",
    "FastText": "fastw2v.fasttext",
    "load_facebook_model": "fastw2v.fasttext",
    "load_facebook_vectors": "fastw2v.fasttext",
    "save_facebook_model": "fastw2v.fasttext",
    "Checkpointing": "fastw2v.backend",
    "KeyedVectors": "fastw2v.vectors",
    "TrainConfig": "fastw2v.config",
    "Phrases": "fastw2v.phrasemodel",
    "FrozenPhrases": "fastw2v.phrasemodel",
    "ENGLISH_CONNECTOR_WORDS": "fastw2v.phrasemodel",
    "FastW2VError": "fastw2v.errors",
    "ConfigError": "fastw2v.errors",
    "DatasetError": "fastw2v.errors",
    "FormatError": "fastw2v.errors",
}

__all__ = [*_PUBLIC, "__version__"]


def __getattr__(name):
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'fastw2v' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__():
    return sorted(set(globals()) | set(_PUBLIC))
