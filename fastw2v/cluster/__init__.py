"""Training past one machine: the driver's work spread over the workers of a Dask cluster.

Optional: needs the ``dask`` extra (``pip install 'fastw2v[dask]'``: dask + distributed); nothing
here imports dask until a cluster run starts, so the rest of fastw2v works without it.

How a run goes (``Word2Vec(corpus_file=..., cluster="local:2")``, or ``fastw2v train ... --dask``):

1. **Shards** (`shards`): the input files, and plain files cut into byte ranges at newlines, so
   that there are a few shards per lane. Each worker reads its shards with the corpus reader
   (`fastw2v.corpus`) and counts them; the driver merges the counts once into the vocabulary
   (`fastw2v.vocab.build_vocabulary`, so the same vocabulary as one machine); every shard is then
   encoded with it into memory-mapped id arrays in a work folder that every worker can read.
2. **Resident replicas** (the default, `resident`, `replicas`): the corpus (shards in order) is
   cut into `lanes` contiguous parts, each part into stretches of about `sync_words` words. Each
   lane's worker keeps its replica of the model; in round r every lane trains its r-th stretch
   on its replica with the compiled kernel and sends back the rows of the round's frequency tier
   (`replicas.tier_rows`: the top 1,024 words, doubling every second round, every row at an
   epoch's end); the driver averages them in lane order and sends the result with the next
   tasks. With the align rules the lanes train apart and every row is merged by orthogonal
   alignment (`replicas.merge_aligned`) at the run's end or at each epoch's end. A stretch is a
   pure function of the replica, so the run gives the same vectors whatever the scheduling, and
   `bench.lanes` computes them in one process.
3. **Faults and checkpoints** (`driver`): a lane whose worker is lost is placed again from the
   driver's rows on a live worker and retrains its stretch. Checkpoints are written right after a
   round that synchronised every row.

docs/cluster.md has the measurements (`python -m bench.lanes`, `python -m bench.cluster_speed`,
`python -m bench.cost_model`).
"""

from fastw2v.cluster.connect import (COMBINE_RULES, DEFAULT_COMBINE, ClusterError, ClusterSettings,
                                     as_settings, default_sync_words)
from fastw2v.cluster.driver import ClusterBackend

__all__ = ["COMBINE_RULES", "DEFAULT_COMBINE", "ClusterBackend", "ClusterError", "ClusterSettings",
           "as_settings", "default_sync_words"]
