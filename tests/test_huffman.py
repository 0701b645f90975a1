"""The Huffman tree of hierarchical softmax: a valid prefix code, optimal, read as flat arrays."""

import heapq

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastw2v.huffman import build_huffman_tree

COUNTS = st.lists(st.integers(0, 10_000), min_size=1, max_size=200)


def optimal_cost(counts):
    """Σ count · depth of an optimal binary code (the classic heap construction)."""
    if len(counts) == 1:
        return 0
    heap = list(map(float, counts))
    heapq.heapify(heap)
    cost = 0.0
    while len(heap) > 1:
        merged = heapq.heappop(heap) + heapq.heappop(heap)
        cost += merged
        heapq.heappush(heap, merged)
    return cost


@settings(max_examples=200, deadline=None)
@given(counts=COUNTS)
def test_paths_form_an_optimal_prefix_code(counts):
    tree = build_huffman_tree(counts)
    n = len(counts)
    assert tree.n_inner == n - 1 and tree.offsets[0] == 0 and np.all(np.diff(tree.offsets) >= 0)
    words = [tree.path(w) for w in range(n)]
    bit_strings = ["".join(map(str, codes)) for _, codes in words]
    assert sum(2.0 ** -len(b) for b in bit_strings) == pytest.approx(1.0)  # a full binary tree
    for a in range(n):
        for b in range(a + 1, n):
            assert not bit_strings[b].startswith(bit_strings[a])
            assert not bit_strings[a].startswith(bit_strings[b])
    depths = np.diff(tree.offsets)
    assert float(np.dot(depths, counts)) == pytest.approx(optimal_cost(counts))


@settings(max_examples=100, deadline=None)
@given(counts=COUNTS.filter(lambda c: len(c) >= 2))
def test_paths_walk_one_tree_from_the_root(counts):
    """Same code prefix, same nodes: the arrays describe one tree; the root is row V - 2."""
    tree = build_huffman_tree(counts)
    n = len(counts)
    child_of = {}
    for w in range(n):
        nodes, codes = tree.path(w)
        assert nodes[0] == n - 2 and np.all((0 <= nodes) & (nodes < n - 1))
        for depth, (node, code) in enumerate(zip(nodes, codes)):
            below = nodes[depth + 1] if depth + 1 < len(nodes) else ("leaf", w)
            assert child_of.setdefault((int(node), int(code)), below) == below
    assert len({node for node, _ in child_of}) == n - 1


def test_frequent_words_get_short_paths():
    counts = np.array([1000, 500, 250, 125, 60, 30, 15, 8, 4, 2])
    depths = np.diff(build_huffman_tree(counts).offsets)
    assert list(depths) == sorted(depths)
    assert depths[0] == 1 and depths[-1] == depths[-2] == 9


def test_one_word_has_an_empty_path_and_bad_counts_are_refused():
    tree = build_huffman_tree([7])
    assert tree.n_inner == 0 and len(tree.path(0)[0]) == 0
    for bad in ([], [1, -1], [[1, 2]]):
        with pytest.raises(ValueError):
            build_huffman_tree(bad)


def fasttext_paths(counts):
    """Root-first (rows, codes) of every word in the tree fastText's HierarchicalSoftmaxLoss and
    the C tool build from counts in descending order (replayed in plain Python): leaves taken
    from the last, an inner node before a leaf of equal weight, the second child coded 1."""
    n = len(counts)
    weight = list(map(float, counts)) + [1e15] * (n - 1)
    parent, binary = [-1] * (2 * n - 1), [0] * (2 * n - 1)
    leaf, node = n - 1, n
    for made in range(n, 2 * n - 1):
        pair = []
        for _ in range(2):
            if leaf >= 0 and weight[leaf] < weight[node]:
                pair.append(leaf)
                leaf -= 1
            else:
                pair.append(node)
                node += 1
        weight[made] = weight[pair[0]] + weight[pair[1]]
        parent[pair[0]] = parent[pair[1]] = made
        binary[pair[1]] = 1
    paths = []
    for word in range(n):
        rows, codes, j = [], [], word
        while parent[j] != -1:
            rows.append(parent[j] - n)
            codes.append(binary[j])
            j = parent[j]
        paths.append((rows[::-1], codes[::-1]))
    return paths


@settings(max_examples=200, deadline=None)
@given(counts=st.lists(st.integers(1, 6), min_size=1, max_size=120))
def test_the_tree_is_fasttexts_and_the_c_tools_tie_for_tie(counts):
    """Same rows and codes as theirs, also where counts tie (few distinct counts: many ties), so
    that a fastText .bin's hierarchical-softmax rows train on here."""
    counts = sorted(counts, reverse=True)
    tree = build_huffman_tree(np.array(counts))
    for word, (rows, codes) in enumerate(fasttext_paths(counts)):
        nodes, turns = tree.path(word)
        assert nodes.tolist() == rows and turns.tolist() == codes, word
