"""fastw2v: a word2vec trainer with a Numba-compiled hot loop and a checked textbook reference path."""

from fastw2v.errors import FastW2VError

__version__ = "0.1.0"

__all__ = ["FastW2VError", "__version__"]
