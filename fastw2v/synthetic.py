"""Generated corpora: deterministic from a seed, no download.

- `write_zipf_corpus`: Zipfian word frequencies at any size, for speed and memory benchmarks.
- `write_planted_corpus`: Zipfian filler with planted relations, and its analogy questions;
  optionally planted collocations (`PLANTED_COLLOCATIONS`) for phrase detection.
"""

import numpy as np

from fastw2v.atomic import atomic_write


def write_zipf_corpus(path, n_tokens, vocab_size, seed=0, exponent=1.0, mean_sentence=20):
    """Stream a synthetic corpus with Zipfian word frequencies to a text file.

    Word ``w{i}`` has probability ∝ 1/(i+1)^exponent; sentences have 5 to 2·mean_sentence - 5
    words, one per line. Written in blocks, so any size streams in bounded memory; the same
    arguments write the same file.

    Args:
        path: output file (written atomically).
        n_tokens: int, total words.
        vocab_size: int, distinct words that may appear.
    Returns:
        path.
    """
    rng = np.random.default_rng(seed)
    cumulative = _zipf_cumulative(vocab_size, exponent)
    words = np.array([f"w{i}" for i in range(vocab_size)])
    block = 1 << 20
    with atomic_write(path, "w") as handle:
        for start in range(0, n_tokens, block):
            size = min(block, n_tokens - start)
            ids = _zipf_draws(rng, cumulative, size)
            lengths = rng.integers(5, 2 * mean_sentence - 4, size=size // 5 + 2)
            ends = np.cumsum(lengths)
            for sentence in np.split(words[ids], ends[ends < size]):
                handle.write(" ".join(sentence))
                handle.write("\n")
    return path


# Planted relation families: (section name, left word stem, right word stem). Entity i of a family
# appears as f"{left}{i}" or f"{right}{i}"; both share the entity's own context words, and each
# side has context words of its own, so right_i - left_i is the same offset for every i.
PLANTED_FAMILIES = (
    ("capital-country", "country", "capital"),
    ("male-female", "male", "female"),
    ("singular-plural", "one", "many"),
    ("present-past", "present", "past"),
)


# Planted collocations: each is written as a run of adjacent words; its words also come alone.
# "new york" is also the start of "new york times"; "of" is also a common word of its own.
PLANTED_COLLOCATIONS = (("new", "york"), ("ice", "cream"), ("los", "angeles"), ("machine", "learning"),
                        ("new", "york", "times"), ("bank", "of", "america"))


def write_planted_corpus(path, n_tokens, seed=0, entities=20, filler_vocab=5000, planted_share=0.5,
                         questions_path=None, collocation_share=0.0):
    """Write a corpus with planted analogies, and optionally its questions-words file.

    Half of the sentences (by default) describe one entity of one family: the entity's word on
    one side (e.g. ``country3`` or ``capital3``), two of the entity's own context words
    (``country3_ctx0``...), two context words of that side (``country_side0``...) and Zipfian
    filler words; the rest are filler only. Vectors that learn co-occurrence learn
    capital_i - country_i ≈ capital_j - country_j, so ``country3 capital3 country7 capital7``
    is answerable.

    Args:
        path: corpus file (written atomically), one sentence a line.
        n_tokens: about how many words to write.
        seed: the generator's seed; the same arguments write the same files.
        entities: entities per family.
        filler_vocab: distinct filler words (``f{i}``, Zipfian).
        planted_share: share of sentences about an entity.
        questions_path: where to write the analogy questions (``: section`` headers, four words a
            line, every ordered pair of distinct entities), or None.
        collocation_share: share of sentences that also hold one of `PLANTED_COLLOCATIONS`, its
            words adjacent at a random place; as many sentences hold one of its words alone,
            and as many the word "of" (0: the corpus of earlier versions, draw for draw).
    Returns:
        path.
    """
    rng = np.random.default_rng(seed)
    filler_cumulative = _zipf_cumulative(filler_vocab)
    filler_words = np.array([f"f{i}" for i in range(filler_vocab)])
    written = 0
    with atomic_write(path, "w") as handle:
        while written < n_tokens:
            block = []
            for _ in range(4096):
                n_filler = int(rng.integers(4, 12))
                filler = filler_words[_zipf_draws(rng, filler_cumulative, n_filler)]
                words = list(filler)
                if rng.random() < planted_share:
                    words += _planted_words(rng, entities)
                rng.shuffle(words)
                if collocation_share:
                    words = _with_collocations(rng, words, collocation_share)
                block.append(" ".join(words))
                written += len(words)
            handle.write("\n".join(block) + "\n")
    if questions_path is not None:
        write_planted_questions(questions_path, entities)
    return path


def _planted_words(rng, entities):
    _, left, right = PLANTED_FAMILIES[rng.integers(len(PLANTED_FAMILIES))]
    entity = int(rng.integers(entities))
    side = left if rng.random() < 0.5 else right
    own = rng.choice(4, size=2, replace=False)
    marks = rng.choice(4, size=2, replace=False)
    return ([f"{side}{entity}"] + [f"{left}{entity}_ctx{k}" for k in own]
            + [f"{side}_side{k}" for k in marks])


def _with_collocations(rng, words, share):
    """`words` (a shuffled sentence) with, each with chance `share`, a planted collocation, one
    collocation word alone and the word "of", each at a random place."""
    singles = sorted({word for collocation in PLANTED_COLLOCATIONS for word in collocation})
    inserts = []
    if rng.random() < share:
        inserts.append(list(PLANTED_COLLOCATIONS[rng.integers(len(PLANTED_COLLOCATIONS))]))
    if rng.random() < share:
        inserts.append([singles[rng.integers(len(singles))]])
    if rng.random() < share:
        inserts.append(["of"])
    words = list(words)
    for run in inserts:
        at = int(rng.integers(len(words) + 1))
        words[at:at] = run
    return words


def write_planted_questions(path, entities=20):
    """Write the planted families' analogy questions in the questions-words format."""
    lines = []
    for section, left, right in PLANTED_FAMILIES:
        lines.append(f": {section}")
        for i in range(entities):
            for j in range(entities):
                if i != j:
                    lines.append(f"{left}{i} {right}{i} {left}{j} {right}{j}")
    with atomic_write(path, "w") as handle:
        handle.write("\n".join(lines) + "\n")
    return path


def write_planted_pairs(path, entities=20, seed=0, per_level=50):
    """Write word pairs with graded relatedness for the planted corpus (``w1<TAB>w2<TAB>score``).

    4: a side word and one of its entity's context words (they co-occur); 3: the two sides of one
    entity (``country3 capital3``); 2: the same side of two entities of a family (they share side
    words); 1: words of two different families.
    """
    rng = np.random.default_rng(seed)
    lines = []
    for score in (4, 3, 2, 1):
        for _ in range(per_level):
            family = int(rng.integers(len(PLANTED_FAMILIES)))
            _, left, right = PLANTED_FAMILIES[family]
            i, j = rng.choice(entities, size=2, replace=False)
            if score == 4:
                pair = (f"{left}{i}", f"{left}{i}_ctx{rng.integers(4)}")
            elif score == 3:
                pair = (f"{left}{i}", f"{right}{i}")
            elif score == 2:
                pair = (f"{left}{i}", f"{left}{j}")
            else:
                other = PLANTED_FAMILIES[(family + 1) % len(PLANTED_FAMILIES)]
                pair = (f"{left}{i}", f"{other[2]}{j}")
            lines.append(f"{pair[0]}\t{pair[1]}\t{score}")
    with atomic_write(path, "w") as handle:
        handle.write("\n".join(lines) + "\n")
    return path


def _zipf_cumulative(n_words, exponent=1.0):
    """Cumulative probabilities (float64 (n_words,)) of word ranks ∝ 1/(rank+1)^exponent."""
    weights = 1.0 / np.arange(1, n_words + 1) ** exponent
    return np.cumsum(weights / weights.sum())


def _zipf_draws(rng, cumulative, size):
    """`size` word ranks (int64) drawn from a `_zipf_cumulative` table."""
    return np.minimum(np.searchsorted(cumulative, rng.random(size)), cumulative.size - 1)
