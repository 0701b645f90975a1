"""The CS224N word2vec assignment's SST training run, replayed: reference engine or compiled.

Modules, each importing only those before it: `mt19937` (CPython's Mersenne Twister, compiled),
`kernels` (the assignment's SGD iterations, compiled), `sst` (the Stanford Sentiment Treebank
loader and a generated stand-in), `assignment` (the assignment's call contract over
`fastw2v.reference`: camelCase names, batch wrapper, SGD, checkpoints, gradient check) and
`replay` (the run, with either engine). Nothing else in fastw2v but the CLI imports this package.
"""

from fastw2v.cs224n.replay import (DIM, ENGINES, FULL_ITERATIONS, NEGATIVES, NUMPY_SEED,
                                   PYTHON_SEED, STEP, WINDOW, initial_word_vectors, run)
from fastw2v.cs224n.sst import (SST_ENV_VAR, SST_SENTENCES_FILE, StanfordSentiment,
                                default_sst_dir, write_toy_sst)

__all__ = [
    "DIM", "ENGINES", "FULL_ITERATIONS", "NEGATIVES", "NUMPY_SEED", "PYTHON_SEED",
    "SST_ENV_VAR", "SST_SENTENCES_FILE", "STEP", "StanfordSentiment", "WINDOW", "default_sst_dir",
    "initial_word_vectors", "run", "write_toy_sst",
]
