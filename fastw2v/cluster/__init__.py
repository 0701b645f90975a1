"""Training past one machine: the driver's work spread over the workers of a Dask cluster.

Optional: needs the ``dask`` extra (``pip install 'fastw2v[dask]'``: dask + distributed); nothing
here imports dask until a cluster run starts, so the rest of fastw2v works without it.

How a run goes (``Word2Vec(corpus_file=..., cluster="local:2")``, or ``fastw2v train ... --dask``):

1. **Shards** (`shards`): the input files, and plain files cut into byte ranges at newlines, so
   that there are a few shards per lane. Each worker reads its shards with the corpus reader
   (`fastw2v.corpus`) and counts them; the driver merges the counts once into the vocabulary
   (`fastw2v.vocab.build_vocabulary`, so the same vocabulary as one machine); every shard is then
   encoded with it into memory-mapped id arrays in a work folder that every worker can read.
2. **Rounds** (`rounds`): synchronous local SGD. The corpus (shards in order) is cut into
   `lanes` contiguous parts, each part into stretches of about `sync_words` words. In round r
   every lane trains its r-th stretch with the compiled kernel, starting from the same model
   snapshot; the driver combines the workers' changes (`rounds.combine`: their sum, or from 3
   lanes on their clipped sum) and starts the next round. Each stretch task is a pure function
   of (snapshot, stretch, seed, learning-rate clock), and the driver combines in lane order, so a
   retried task, and the whole run, give the same vectors whatever the scheduling.
3. **Faults and checkpoints** (`driver`): Dask reruns the stretch of a worker that died; the
   driver reruns a round whose snapshot was lost. Checkpoints are written at round boundaries.

Limits: a round (lanes × sync words) must stay short for the lanes' stale views of each other
not to overshoot, and every round sends the whole model to every worker; the driver stops a run
whose loss explodes. docs/cluster.md has the measurements (`python -m bench.lanes`,
`python -m bench.cost_model`).
"""

from fastw2v.cluster.connect import (COMBINE_RULES, DEFAULT_SYNC_WORDS, ClusterError, ClusterSettings,
                                     as_settings)
from fastw2v.cluster.driver import ClusterBackend

__all__ = ["COMBINE_RULES", "DEFAULT_SYNC_WORDS", "ClusterBackend", "ClusterError", "ClusterSettings",
           "as_settings"]
