"""Training settings: one frozen dataclass, validated in one place, used by the API and the CLI."""

import numbers
import os
from dataclasses import asdict, dataclass, fields

from fastw2v.errors import ConfigError
from fastw2v.objectives import LOSSES, NEGATIVE_LOSSES, OBJECTIVES, SKIP_GRAM_MODES, kernel_key

MODES = SKIP_GRAM_MODES
DEFAULT_ALPHA = {True: 0.025, False: 0.05}  # skip-gram, CBOW (the C tool's defaults)
DEVICES = ("cpu", "cuda")
# The CUDA kernels keep a window's contexts and targets in shared memory of fixed size.
CUDA_MAX_WINDOW = 16
CUDA_MAX_TARGETS = 32  # the center's row and up to 31 negatives


@dataclass(frozen=True)
class TrainConfig:
    """Every hyper-parameter of a skip-gram negative-sampling run.

    Attributes:
        vector_size: dimensions D of the word vectors.
        window: largest distance between a center and a context word; each center draws its
            own window in [1, window].
        negative: negatives K per pair (0 allowed only with a loss that draws none).
        sample: sub-sampling threshold s (0 disables sub-sampling); s ≥ 1 is gensim's count
            threshold (`vocab.keep_probabilities`).
        min_count: words seen fewer times are dropped (0 and 1 keep every word).
        max_vocab_size: keep at most this many most frequent words (None: no limit).
        alpha: learning rate at the start (None: 0.025 for skip-gram, 0.05 for CBOW, the C
            tool's); min_alpha: at the end (None: alpha · 1e-4); the rate decays linearly and
            never goes below min_alpha, so a min_alpha above alpha trains at min_alpha
            throughout (as gensim).
        epochs: passes over the corpus (0 allowed until training, as gensim).
        workers: threads (None: every core).
        seed: seeds the initial vectors and every random draw.
        ns_exponent: the noise distribution is count ** ns_exponent.
        mode: "default" (fresh negatives per pair, as the C tool) or "shared" (one set of
            negatives per center, shared by its window).
        loss: "neg" (negative sampling), "hs" (hierarchical softmax over a Huffman tree of the
            counts; `negative` unused), "hs+neg" (both, their losses summed, as the C tool
            allows) or "softmax" (the full softmax over the vocabulary: exact and slow, O(Vocab)
            per pair, for small vocabularies; mode "default" only).
        sg: 1 skip-gram (each context word predicts the center), 0 CBOW (the window's mean
            predicts it), as gensim's ``sg``.
        cbow_mean: CBOW's input is the mean (1) or the sum (0) of the context rows.
        batch_words: about how many words a job (one kernel call, one thread) trains, cut at
            sentence ends; None: chosen from the corpus size and the threads (10,000 to 100,000).
        minn, maxn, bucket: fastText's character n-grams (`fastw2v.subwords`): a word's input
            is the mean of its row and its n-grams' rows, of lengths minn to maxn, hashed into
            bucket rows; maxn 0: none (word2vec). Skip-gram in the default mode and CBOW with
            the mean, with negatives and/or hierarchical softmax.
        device: "cpu" (this machine's threads) or "cuda" (a GPU through numba.cuda,
            `fastw2v.gpu`): negative sampling, skip-gram in either mode or CBOW, without
            n-grams; window ≤ CUDA_MAX_WINDOW, negative < CUDA_MAX_TARGETS.
    """

    vector_size: int = 100
    window: int = 5
    negative: int = 5
    sample: float = 1e-3
    min_count: int = 5
    max_vocab_size: int = None
    alpha: float = None
    min_alpha: float = None
    epochs: int = 5
    workers: int = None
    seed: int = 1
    ns_exponent: float = 0.75
    mode: str = "default"
    loss: str = "neg"
    sg: int = 1
    cbow_mean: int = 1
    batch_words: int = None
    minn: int = 3
    maxn: int = 0
    bucket: int = 2_000_000
    device: str = "cpu"

    def __post_init__(self):
        if self.alpha is None:
            object.__setattr__(self, "alpha", DEFAULT_ALPHA[bool(self.sg)])
        if self.min_alpha is None:
            object.__setattr__(self, "min_alpha", self.alpha * 1e-4)
        if self.workers is None:
            object.__setattr__(self, "workers", os.cpu_count() or 1)
        self.validate()

    def validate(self):
        """Raise ConfigError naming the first setting out of range."""
        for name in ("vector_size", "window", "workers"):
            _require_int(name, getattr(self, name), minimum=1)
        for name in ("min_count", "epochs"):  # 0 as gensim: every word kept; train() refuses 0 epochs
            _require_int(name, getattr(self, name), minimum=0)
        _require_int("negative", self.negative, minimum=0)
        for name in ("max_vocab_size", "batch_words"):
            if getattr(self, name) is not None:
                _require_int(name, getattr(self, name), minimum=1)
        _require_int("seed", self.seed, minimum=0)
        for name in ("sample", "alpha", "min_alpha", "ns_exponent"):
            _require_number(name, getattr(self, name))
        if self.sample < 0:
            raise ConfigError(f"sample must be ≥ 0, got {self.sample}")
        if not self.alpha > 0:
            raise ConfigError(f"alpha must be > 0, got {self.alpha}")
        if not self.min_alpha >= 0:
            raise ConfigError(f"min_alpha must be ≥ 0, got {self.min_alpha}")
        if self.mode not in MODES:
            raise ConfigError(f"mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        if self.loss not in LOSSES:
            raise ConfigError(f"loss must be one of {', '.join(LOSSES)}, got {self.loss!r}")
        if self.negative == 0 and self.loss in NEGATIVE_LOSSES:
            raise ConfigError(f"negative=0 draws no negatives, which loss {self.loss!r} needs: give "
                              "negative ≥ 1, or loss='hs' (gensim's hs=1, negative=0)")
        for name in ("sg", "cbow_mean"):
            if getattr(self, name) not in (0, 1, True, False):
                raise ConfigError(f"{name} must be 0 or 1, got {getattr(self, name)!r}")
        if not self.sg and self.mode != "default":
            raise ConfigError(f"mode {self.mode!r} is skip-gram's; CBOW already shares one set of "
                              "targets per center: use mode 'default'")
        self._validate_subwords()
        self._validate_device()
        if self.kernel_key not in self.objective.kernel_keys:
            if not self.sg:
                raise ConfigError(f"the {self.loss} loss trains CBOW with the mean of the context rows "
                                  "only")
            raise ConfigError(f"mode {self.mode!r} shares negatives; the {self.loss} loss draws none: "
                              "use mode 'default'")

    def _validate_subwords(self):
        for name in ("minn", "maxn", "bucket"):
            _require_int(name, getattr(self, name), minimum=0)
        if not self.maxn:
            return
        if not 1 <= self.minn <= self.maxn:
            raise ConfigError(f"minn {self.minn} and maxn {self.maxn}: n-grams need 1 <= minn <= maxn "
                              "(maxn 0: none)")
        if self.bucket < 1:
            raise ConfigError(f"bucket {self.bucket}: n-grams need at least one row (maxn 0: none)")
        if self.kernel_key not in ("default", "cbow") or self.objective.scores_vocabulary:
            raise ConfigError("n-grams (maxn > 0) train skip-gram in the default mode and CBOW with the "
                              "mean, with negatives and/or hierarchical softmax")

    def _validate_device(self):
        if self.device not in DEVICES:
            raise ConfigError(f"device must be one of {', '.join(DEVICES)}, got {self.device!r}")
        if self.device != "cuda":
            return
        if self.loss != "neg":
            raise ConfigError(f"the CUDA kernels train negative sampling (loss 'neg'); the {self.loss} "
                              "loss trains with device 'cpu'")
        if self.subwords:
            raise ConfigError("the CUDA kernels train word vectors without character n-grams (maxn 0); "
                              "n-grams train with device 'cpu'")
        if self.window > CUDA_MAX_WINDOW:
            raise ConfigError(f"window {self.window}: the CUDA kernels take window ≤ {CUDA_MAX_WINDOW}")
        if self.negative >= CUDA_MAX_TARGETS:
            raise ConfigError(f"negative {self.negative}: the CUDA kernels take negative ≤ "
                              f"{CUDA_MAX_TARGETS - 1}")

    @property
    def subwords(self):
        """Whether the words' inputs hold their character n-grams (maxn > 0)."""
        return self.maxn > 0

    @property
    def objective(self):
        """The loss's `objectives.Objective`: what it draws, reads and trains."""
        return OBJECTIVES[self.loss]

    @property
    def kernel_key(self):
        """Which of the loss's kernels the run uses (`objectives.kernel_key`)."""
        return kernel_key(self.sg, self.mode, self.cbow_mean)

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, values):
        """Build from a dict, ignoring keys that are not settings."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names})


def loss_from_gensim(hs, loss, negative):
    """The `TrainConfig.loss` of gensim-style arguments: `loss` when given, else gensim's ``hs``
    spelled as a loss (hs=1: "hs" when negative is 0, "hs+neg" when it is not; hs=0: "neg").

    Raises ConfigError when hs is not 0/1, or when both hs=1 and `loss` are given.
    """
    if hs not in (0, 1, True, False):
        raise ConfigError(f"hs must be 0 or 1, got {hs!r}")
    if loss is not None:
        if hs:
            raise ConfigError(f"give loss= or gensim's hs=, not both (got loss={loss!r}, hs={hs!r})")
        return loss
    return ("hs+neg" if negative else "hs") if hs else "neg"


def _require_int(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ConfigError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ConfigError(f"{name} must be ≥ {minimum}, got {value}")


def _require_number(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or value != value:
        raise ConfigError(f"{name} must be a number, got {value!r}")
