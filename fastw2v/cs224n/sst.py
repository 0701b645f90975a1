"""The Stanford Sentiment Treebank in the CS224N format, and a generated stand-in for it.

`StanfordSentiment` keeps the CS224N assignment's call contract and draws its random numbers from
Python's ``random`` in exactly the assignment's order, so runs reproduce its published losses.
`write_toy_sst` writes a small corpus in the same ``datasetSentences.txt`` format (no download),
for ``fastw2v cs224n --toy``.
"""

import os
import random

import numpy as np

from fastw2v.atomic import atomic_write
from fastw2v.errors import DatasetError

SST_ENV_VAR = "FASTW2V_SST_DIR"
SST_SENTENCES_FILE = "datasetSentences.txt"
SUBSAMPLE_REPEATS = 30
SUBSAMPLE_THRESHOLD = 1e-5
NOISE_EXPONENT = 0.75


def default_sst_dir():
    """The SST folder from $FASTW2V_SST_DIR, else ../shared/data/stanfordSentimentTreebank
    relative to the working directory; None when neither holds datasetSentences.txt."""
    candidates = [os.environ.get(SST_ENV_VAR),
                  os.path.join("..", "shared", "data", "stanfordSentimentTreebank")]
    for candidate in candidates:
        if candidate and os.path.isfile(os.path.join(candidate, SST_SENTENCES_FILE)):
            return candidate
    return None


class StanfordSentiment:
    """The SST sentences as the CS224N assignment reads, counts, sub-samples and samples them.

    Args:
        path: folder holding ``datasetSentences.txt``.
        tablesize: entries of the negative-sampling table (default 1,000,000).
    Raises:
        DatasetError: the file is missing, unreadable or has no sentences.
    """

    def __init__(self, path=None, tablesize=1000000):
        self.path = path if path is not None else default_sst_dir()
        if self.path is None:
            raise DatasetError(
                f"no SST folder given and none found (set ${SST_ENV_VAR} or pass --sst-dir)")
        self.tablesize = int(tablesize)
        self._sentences = None
        self._tokens = None
        self._all_sentences = None
        self._reject_prob = None
        self._sample_table = None

    def sentences(self):
        """The sentences as lists of lowercased words (header skipped, first field dropped).

        Words are split by Python's ``str.split()``, which also splits on non-breaking spaces:
        the published losses depend on that.
        """
        if self._sentences is None:
            self._sentences = self._read_sentences()
        return self._sentences

    def _read_sentences(self):
        filename = os.path.join(self.path, SST_SENTENCES_FILE)
        try:
            with open(filename, encoding="utf-8", errors="replace") as handle:
                lines = handle.readlines()[1:]
        except OSError as exc:
            raise DatasetError(f"{filename}: cannot read ({exc.strerror})") from exc
        sentences = [[word.lower() for word in line.strip().split()[1:]] for line in lines]
        if not any(sentences):
            raise DatasetError(f"{filename}: no sentences after the header line")
        return sentences

    def tokens(self):
        """dict word -> id, ids in order of first appearance, then ``UNK`` (count 1) last."""
        if self._tokens is None:
            tokens, counts, revtokens = {}, [], []
            for sentence in self.sentences():
                for word in sentence:
                    idx = tokens.get(word)
                    if idx is None:
                        tokens[word] = len(revtokens)
                        revtokens.append(word)
                        counts.append(1)
                    else:
                        counts[idx] += 1
            tokens["UNK"] = len(revtokens)
            revtokens.append("UNK")
            counts.append(1)
            self._tokens = tokens
            self._revtokens = revtokens
            self._counts = np.array(counts, dtype=np.int64)
            self._wordcount = int(self._counts.sum())
        return self._tokens

    def revtokens(self):
        """list of words, indexed by id."""
        self.tokens()
        return self._revtokens

    def token_counts(self):
        """int64 array (V,): each word's count (UNK counts 1)."""
        self.tokens()
        return self._counts

    def word_count(self):
        """int, the number of words in the corpus plus one for UNK."""
        self.tokens()
        return self._wordcount

    def numSentences(self):
        return len(self.sentences())

    def rejectProb(self):
        """float64 array (V,): max(0, 1 - sqrt(1e-5·N / count)) per word id."""
        if self._reject_prob is None:
            self.tokens()
            threshold = SUBSAMPLE_THRESHOLD * self._wordcount
            self._reject_prob = np.maximum(0.0, 1.0 - np.sqrt(threshold / (1.0 * self._counts)))
        return self._reject_prob

    def allSentences(self):
        """The sub-sampled corpus: the sentences repeated 30 times, as lists of word ids.

        Each word, in order, is kept without a draw when its reject probability is ≤ 0, else
        when ``random.random() >= p``; sentences left with ≤ 1 word are dropped. Built on the
        first call, which consumes Python random draws.
        """
        if self._all_sentences is None:
            tokens = self.tokens()
            reject = self.rejectProb().tolist()
            id_sentences = [[tokens[word] for word in sentence] for sentence in self.sentences()]
            draw = random.random
            sub_sampled = (
                [w for w in sentence if reject[w] <= 0 or draw() >= reject[w]]
                for sentence in id_sentences * SUBSAMPLE_REPEATS)
            self._all_sentences = [s for s in sub_sampled if len(s) > 1]
            if not self._all_sentences:
                raise DatasetError(f"{self.path}: no sentence keeps two words after sub-sampling; "
                                   "the corpus is too small")
        return self._all_sentences

    def getRandomContext(self, C=5):
        """A random (center word, context words) pair from the sub-sampled corpus.

        ``randint`` over sentences, ``randint`` over positions, up to C words each side, words
        equal to the center removed; when nothing is left, the draw starts again.
        """
        all_sentences = self.allSentences()
        revtokens = self._revtokens
        while True:
            sentence = all_sentences[random.randint(0, len(all_sentences) - 1)]
            position = random.randint(0, len(sentence) - 1)
            center = sentence[position]
            window = sentence[max(0, position - C):position] + sentence[position + 1:position + C + 1]
            context = [revtokens[w] for w in window if w != center]
            if context:
                return revtokens[center], context

    def sampleTable(self):
        """int64 array (tablesize,): entry i is the first word id j with cumulated noise ≥ i.

        The noise weights are count^0.75 (UNK included), normalised, cumulated and scaled by the
        table size. Building it first builds the sub-sampled corpus (the assignment's order).
        """
        if self._sample_table is None:
            self.allSentences()
            weights = self._counts.astype(np.float64) ** NOISE_EXPONENT
            weights /= np.sum(weights)
            cumulated = np.cumsum(weights) * self.tablesize
            table = np.searchsorted(cumulated, np.arange(self.tablesize, dtype=np.float64), side="left")
            self._sample_table = np.minimum(table, len(weights) - 1)
        return self._sample_table

    def sampleTokenIdx(self):
        """One negative-sample word id: the table entry at ``random.randint(0, tablesize - 1)``."""
        return int(self.sampleTable()[random.randint(0, self.tablesize - 1)])


# Word groups of the generated SST stand-in: the 24 words the CS224N figure shows, each group with
# words that co-occur with it, so a short run already pulls the groups apart.
_TOY_GROUPS = (
    (("great", "cool", "brilliant", "wonderful", "well", "amazing", "worth", "sweet", "enjoyable"),
     ("film", "performance", "fun", "moving", "charming", "love", "funny", "heart")),
    (("boring", "bad", "dumb", "annoying"),
     ("film", "plot", "dull", "mess", "tedious", "waste", "flat", "awful")),
    (("female", "male", "queen", "king", "man", "woman"),
     ("character", "role", "royal", "young", "old", "actor", "played", "story")),
    (("rain", "snow", "hail"),
     ("cold", "storm", "winter", "sky", "wet", "falling", "outside", "weather")),
    (("coffee", "tea"),
     ("cup", "drink", "hot", "morning", "milk", "sugar", "cafe", "pot")),
)
_TOY_FILLER = ("the", "a", "of", "and", "to", "is", "in", "it", "that", "as", "with", "for",
               "its", "this", "but", "an", "on", "be", "more", "than", "all", "just", "so", "one")


def write_toy_sst(directory, n_sentences=3000, seed=0):
    """Write a generated corpus in the SST ``datasetSentences.txt`` format (no download needed).

    Each sentence picks one word group and mixes two to four of its words, a few of the group's
    companion words and frequent filler words, so that words of a group share contexts.

    Args:
        directory: folder to write ``datasetSentences.txt`` into (created if missing).
        n_sentences: number of sentences.
        seed: the generator's seed; the same seed writes the same file.
    Returns:
        the folder path.
    """
    rng = np.random.default_rng(seed)
    os.makedirs(directory, exist_ok=True)
    filler_weights = 1.0 / np.arange(1, len(_TOY_FILLER) + 1)
    filler_weights /= filler_weights.sum()
    lines = ["sentence_index\tsentence\n"]
    for index in range(1, n_sentences + 1):
        members, companions = _TOY_GROUPS[rng.integers(len(_TOY_GROUPS))]
        words = list(rng.choice(members, size=rng.integers(2, 5)))
        words += list(rng.choice(companions, size=rng.integers(2, 5)))
        words += list(rng.choice(_TOY_FILLER, size=rng.integers(3, 9), p=filler_weights))
        rng.shuffle(words)
        lines.append(f"{index}\t{' '.join(words).capitalize()} .\n")
    with atomic_write(os.path.join(directory, SST_SENTENCES_FILE), "w") as handle:
        handle.writelines(lines)
    return directory
