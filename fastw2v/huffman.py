"""The Huffman tree of hierarchical softmax, as flat arrays the kernels read.

Hierarchical softmax replaces the V-way softmax by V - 1 binary decisions on a binary tree whose
leaves are the words: P(w | h) = Π over the inner nodes n on the path from the root to w of
σ(±u_nᵀh), + when the path turns to the child labelled 0, - to the child labelled 1. A Huffman
tree built on the word counts gives frequent words short paths (about log2 of the inverse
frequency), so an update touches few rows.

A tree is three arrays: for word w, ``nodes[offsets[w]:offsets[w + 1]]`` are the inner nodes on
its path from the root (int32 ids in [0, V - 1): rows of the output matrix) and
``codes[offsets[w]:offsets[w + 1]]`` the turn taken below each (uint8, 0 or 1).
"""

from dataclasses import dataclass

import numpy as np

from fastw2v.jit import njit


@dataclass(frozen=True)
class HuffmanTree:
    """Paths of every word from the root: see the module docstring.

    Attributes:
        nodes: int32 (total path length,), inner-node ids in [0, V - 1).
        codes: uint8 (total path length,), 0 or 1.
        offsets: int64 (V + 1,), word w's path is [offsets[w], offsets[w + 1]).
    """

    nodes: np.ndarray
    codes: np.ndarray
    offsets: np.ndarray

    @property
    def n_words(self):
        return len(self.offsets) - 1

    @property
    def n_inner(self):
        """Inner nodes: V - 1 (rows of the output matrix hierarchical softmax trains)."""
        return max(self.n_words - 1, 0)

    def path(self, word):
        """(nodes int32 (L,), codes uint8 (L,)) of `word`, root first."""
        lo, hi = self.offsets[word], self.offsets[word + 1]
        return self.nodes[lo:hi], self.codes[lo:hi]


def build_huffman_tree(counts):
    """The Huffman tree of word counts, in O(V log V) (O(V) when counts are sorted, as a
    vocabulary's are: two queues, the C tool's scheme).

    Ties are broken as the C tool and fastText break them, so that a model's inner-node rows
    mean the same in their files: leaves are taken lightest first, among equal counts the higher
    word id first; an inner node goes before a leaf of the same weight; the first of the two
    merged children gets code 0. The tree is a deterministic function of the counts.

    Args:
        counts: int or float array (V,), V ≥ 1, non-negative.
    Returns:
        HuffmanTree (with one word, its path is empty).
    Raises:
        ValueError: an empty or negative count array.
    """
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 1 or counts.size == 0 or np.any(counts < 0) or not np.all(np.isfinite(counts)):
        raise ValueError("a Huffman tree needs a non-empty 1-D array of non-negative counts")
    order = counts.size - 1 - np.argsort(counts[::-1], kind="stable")  # ascending; ties: higher id first
    parent, code = _merge(counts[order])
    nodes, codes, offsets = _paths(parent, code, order, counts.size)
    return HuffmanTree(nodes=nodes, codes=codes, offsets=offsets)


@njit(cache=True)
def _merge(ascending):
    """Two-queue Huffman merge. Node k < V is the k-th lightest leaf; node V + j is the j-th
    inner node made. Returns (parent int64 (2V - 1,), code uint8 (2V - 1,)); the root's parent
    is -1."""
    n = ascending.size
    weight = np.empty(2 * n - 1, dtype=np.float64)
    weight[:n] = ascending
    parent = np.full(2 * n - 1, -1, dtype=np.int64)
    code = np.zeros(2 * n - 1, dtype=np.uint8)
    leaf, inner = 0, n  # next unmerged leaf; next unmerged inner node
    for made in range(n, 2 * n - 1):
        pair = np.empty(2, dtype=np.int64)
        for side in range(2):
            if leaf < n and (inner >= made or weight[leaf] < weight[inner]):
                pair[side] = leaf
                leaf += 1
            else:
                pair[side] = inner
                inner += 1
        weight[made] = weight[pair[0]] + weight[pair[1]]
        parent[pair[0]] = made
        parent[pair[1]] = made
        code[pair[1]] = 1
    return parent, code


@njit(cache=True)
def _paths(parent, code, order, n):
    """Flatten the root-to-leaf paths, indexed by word id; inner node V + j (the j-th made)
    becomes row j, so the root, made last, is row V - 2 as in the C tool."""
    depth = np.zeros(n, dtype=np.int64)
    for k in range(n):
        node = k
        while parent[node] >= 0:
            depth[k] += 1
            node = parent[node]
    offsets = np.zeros(n + 1, dtype=np.int64)
    for k in range(n):
        offsets[order[k] + 1] = depth[k]
    for w in range(n):
        offsets[w + 1] += offsets[w]
    nodes = np.empty(offsets[n], dtype=np.int32)
    codes = np.empty(offsets[n], dtype=np.uint8)
    for k in range(n):
        word = order[k]
        at = offsets[word + 1]  # filled leaf-upwards, so the path reads root first
        node = k
        while parent[node] >= 0:
            at -= 1
            codes[at] = code[node]
            nodes[at] = parent[node] - n
            node = parent[node]
    return nodes, codes, offsets
