"""Turn a pytest-benchmark JSON file into a markdown report and PNG charts.

Usage: python -m bench.report RESULTS.json [--out DIR]

Prints the markdown and writes it, with the charts, to DIR (default bench/results/): report.md,
threads.png (words/s against threads), corpus_size.png (words/s against corpus size), memory.png
(memory against corpus size) and sampler.png (draws/s per method), each when its figures are in
the file. Every figure is a median over rounds, and every ratio is taken within the one run the
file holds: each speed against gensim's with the same threads, each multi-thread speed
against the same trainer's one-thread speed. External peers (the word2vec C tool, fastText) are
timed end to end, and get a second table with their training-only speed. The thread-scaling goals
compare fastest rounds (the medians and the machine's core probe beside them). The goals table
says met / not met / not measured.
"""

import argparse
import json
import os
import sys
from dataclasses import dataclass

SPEED_GROUPS = ("training", "end-to-end", "corpus-size", "architectures")
KNOWN_GROUPS = SPEED_GROUPS + ("reference", "sampler", "corpus", "start-up", "memory", "quality", "phrases",
                               "phrases memory", "subwords", "subwords memory", "subwords quality",
                               "one-line memory")
ONE_LINE_PEAK_MIB = 300.0  # the one-line corpus's peak RSS goal (and below gensim's)
PHRASE_MB_PER_S, PHRASE_THREADS, PHRASE_GENSIM = 50.0, 1.8, 20.0  # the phrase pass's goals
SUBWORD_FASTTEXT, SUBWORD_GENSIM, SUBWORD_QUALITY = 2.5, 3.0, 0.02  # subword training's goals
SUBWORD_SCORES = ("analogy", "ws353", "simlex")
# The architectures whose one-thread speed against gensim's same architecture is a goal.
ARCHITECTURE_GOALS = ("cbow-neg", "sg-hs")
DEFAULT_OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
MEMORY_TOLERANCE = 0.10  # the heap may grow this much from the smallest corpus to the largest
PNG_DPI = 110


@dataclass(frozen=True)
class Speed:
    """One training benchmark: speed = words (corpus tokens) / median seconds, best = words /
    fastest round's seconds; core_scaling: the machine's probe before each multi-thread round
    (`bench.machine`), empty for one thread."""

    group: str
    trainer: str
    mode: str
    threads: int
    words: int
    vocab: object
    speed: float
    best: float
    core_scaling: tuple


@dataclass(frozen=True)
class Goal:
    """One of the issue's goals: what it asks, what was measured, and whether it is met.

    value: the measured figure the target applies to (None: not measured); met: None when not
    measured.
    """

    name: str
    target: str
    value: object
    measured: str
    met: object

    @property
    def verdict(self):
        return "not measured" if self.met is None else ("met" if self.met else "not met")


def _in_group(results, group):
    return [b for b in results["benchmarks"] if b.get("group") == group]


def _median(bench):
    return bench["stats"]["median"]


def speeds(results, groups=SPEED_GROUPS):
    """Speed rows of the benchmarks that train words, in the file's order."""
    return [Speed(b["group"], b["extra_info"]["trainer"], b["extra_info"]["mode"],
                  b["extra_info"]["threads"], b["extra_info"]["words"],
                  b["extra_info"].get("vocab"), b["extra_info"]["words"] / _median(b),
                  b["extra_info"]["words"] / b["stats"]["min"],
                  tuple(b["extra_info"].get("core_scaling", ())))
            for b in results["benchmarks"]
            if b.get("group") in groups and b.get("extra_info", {}).get("words")]


def _row_of(rows, group, trainer, threads, mode=None):
    for row in rows:
        if (row.group, row.trainer, row.threads) == (group, trainer, threads) and mode in (None, row.mode):
            return row
    return None


def _speed_of(rows, group, trainer, threads, mode=None):
    row = _row_of(rows, group, trainer, threads, mode)
    return None if row is None else row.speed


def _fmt_probe(core_scaling):
    """The machine's core probe over a benchmark's rounds, e.g. '1.97–2.00×' ('' when none)."""
    if not core_scaling:
        return ""
    low, high = min(core_scaling), max(core_scaling)
    return f"{low:.2f}×" if low == high else f"{low:.2f}–{high:.2f}×"


def _ratio(value, reference):
    return value / reference if value is not None and reference else None


def _fmt_ratio(ratio):
    return "" if ratio is None else f"{ratio:.2f}"


def _fmt_seconds(seconds):
    if seconds is None:
        return ""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.3g} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:.3g} s"


def _tokens(n):
    return f"{n / 1e6:g}M" if n >= 1e6 else f"{n / 1e3:g}k"


# --- the markdown sections -------------------------------------------------------------------

def training_section(results):
    rows = speeds(results, ("training", "end-to-end"))
    if not rows:
        return []
    lines = ["## Training speed", "",
             "| group | trainer | mode | threads | corpus tokens | words/s | × gensim (same threads) | "
             "× own 1 thread | machine's core probe |",
             "|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        peer = _speed_of(rows, row.group, "gensim", row.threads)
        single = _speed_of(rows, row.group, row.trainer, 1, row.mode)
        lines.append(f"| {row.group} | {row.trainer} | {row.mode} | {row.threads} | {row.words:,} | "
                     f"{row.speed:,.0f} | {_fmt_ratio(_ratio(row.speed, peer))} | "
                     f"{_fmt_ratio(_ratio(row.speed, single))} | {_fmt_probe(row.core_scaling)} |")
    lines += ["", "The machine's core probe (bench/machine.py): how many cores the machine gave, "
              "measured on pure arithmetic right before each multi-thread round (2.00× = two whole "
              "cores)."]
    return lines


def peer_rows(results):
    """[(Speed, extra_info)] of the external peers' training benchmarks (those whose extra_info
    has train_seconds: test_peers.py's word2vec.c and fastText), in the file's order."""
    rows = speeds(results, ("training",))
    return [(_row_of(rows, "training", info["trainer"], info["threads"], info["mode"]), info)
            for info in (bench.get("extra_info", {}) for bench in _in_group(results, "training"))
            if "train_seconds" in info and info.get("words")]


def _median_of(values):
    values = sorted(value for value in values or () if value is not None)
    if not values:
        return None
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def peers_section(results):
    rows = peer_rows(results)
    if not rows:
        return []
    speed_rows = speeds(results, ("training",))
    lines = ["## External peers: end to end and training only", "",
             "| trainer | mode | threads | words/s end to end | × gensim | words/s training only | "
             "× gensim | own progress figure (words/s) |",
             "|---|---|---|---|---|---|---|---|"]
    for row, info in rows:
        gensim = _speed_of(speed_rows, "training", "gensim", row.threads)
        seconds = _median_of(info.get("train_seconds"))
        training = row.words / seconds if seconds else None
        reported = _median_of(info.get("reported_words_per_s"))
        lines.append(f"| {row.trainer} | {row.mode} | {row.threads} | {row.speed:,.0f} | "
                     f"{_fmt_ratio(_ratio(row.speed, gensim))} | "
                     f"{'' if training is None else f'{training:,.0f}'} | "
                     f"{_fmt_ratio(_ratio(training, gensim))} | "
                     f"{'' if reported is None else f'{reported:,.0f}'} |")
    lines += ["", "End to end: the process from start to exit (reading the file, counting the vocabulary, "
              "training, writing the vectors); fastw2v and gensim are timed on training alone. Training "
              "only: corpus tokens / the median seconds from the tool's \"vocabulary counted\" line to its "
              "last progress line. Own progress figure: the tool's last words/s per thread × threads "
              "(the C tool divides by CPU seconds, fastText by wall seconds; both count a token per "
              "line end). All medians over rounds; × gensim: gensim corpus_file, same threads."]
    return lines


def architectures_section(results):
    rows = speeds(results, ("architectures",))
    if not rows:
        return []
    lines = ["## Other architectures", "",
             "| trainer | architecture | threads | corpus tokens | words/s | × gensim (same architecture, "
             "same threads) | × own 1 thread | machine's core probe |",
             "|---|---|---|---|---|---|---|---|"]
    for row in rows:
        peer = _speed_of(rows, "architectures", "gensim", row.threads, _architecture_of(row.mode))
        single = _speed_of(rows, "architectures", row.trainer, 1, row.mode)
        lines.append(f"| {row.trainer} | {row.mode} | {row.threads} | {row.words:,} | {row.speed:,.0f} | "
                     f"{_fmt_ratio(_ratio(row.speed, peer))} | {_fmt_ratio(_ratio(row.speed, single))} | "
                     f"{_fmt_probe(row.core_scaling)} |")
    return lines


def _architecture_of(label):
    """'sg-hs (shared)' -> 'sg-hs': the architecture of a run's label, without fastw2v's mode."""
    return label.split(" (")[0]


def size_rows(results):
    """fastw2v's speed rows of the corpus-size axis (test_kernel.py) and its largest point
    (test_peers.py), sorted by mode, threads and corpus size."""
    rows = [row for row in speeds(results, ("corpus-size", "training")) if row.trainer == "fastw2v"]
    return sorted(rows, key=lambda row: (row.mode, row.threads, row.words))


def size_section(results):
    rows = size_rows(results)
    if len({row.words for row in rows}) < 2:
        return []
    smallest = {}
    for row in rows:
        smallest.setdefault((row.mode, row.threads), row.speed)
    lines = ["## Words/s against corpus size (fastw2v)", "",
             "One generator (Zipfian words); the vocabulary (min_count 5) grows with the corpus, as "
             "in real text, so the larger corpora also have larger weight matrices.", "",
             "| corpus tokens | vocabulary | mode | threads | words/s | × smallest corpus |",
             "|---|---|---|---|---|---|"]
    for row in rows:
        vocab = f"{row.vocab:,}" if isinstance(row.vocab, int) else ""
        lines.append(f"| {row.words:,} | {vocab} | {row.mode} | {row.threads} | {row.speed:,.0f} | "
                     f"{_fmt_ratio(_ratio(row.speed, smallest[(row.mode, row.threads)]))} |")
    return lines


def reference_figures(results):
    """{(kind, engine): (seconds per unit, extra_info)} of the fast-against-reference benchmarks:
    per pair for "pair-update", per iteration for "cs224n-iteration", the run's own timer for
    "cs224n-run"."""
    figures = {}
    for bench in _in_group(results, "reference"):
        info = bench.get("extra_info", {})
        kind = info.get("kind")
        if kind == "pair-update":
            seconds = _median(bench) / info["pairs"]
        elif kind == "cs224n-iteration":
            seconds = _median(bench) / info["iterations"]
        elif kind == "cs224n-run":
            seconds = info.get("train_seconds", _median(bench))
        else:
            continue
        figures[(kind, info.get("engine"))] = (seconds, info)
    return figures


def reference_section(results):
    figures = reference_figures(results)
    if not figures:
        return []
    lines = ["## Fast path against the reference path", "",
             "| workload | reference | fast | speed-up |", "|---|---|---|---|"]
    for kind in ("pair-update", "cs224n-iteration", "cs224n-run"):
        ref, fast = figures.get((kind, "reference")), figures.get((kind, "fast"))
        if ref is None and fast is None:
            continue
        info = (ref or fast)[1]
        label = {
            "pair-update": f"one (center, context) SGD step, K={info.get('negative')}, "
                           f"D={info.get('dim')}, {info.get('vocab', 0):,} words (per pair)",
            "cs224n-iteration": "CS224N SST, one SGD iteration (batch of 50 windows)",
            "cs224n-run": f"CS224N SST `cs224n.run`, first {info.get('iterations')} iterations "
                          "(sub-sampled corpus + SGD)",
        }[kind]
        ratio = _ratio(ref and ref[0], fast and fast[0])
        lines.append(f"| {label} | {_fmt_seconds(ref and ref[0])} | {_fmt_seconds(fast and fast[0])} | "
                     f"{'' if ratio is None else f'{ratio:,.0f}×' if ratio >= 10 else f'{ratio:.2f}×'} |")
    return lines


def sampler_rates(results):
    """{method: (draws/s, vocabulary)}."""
    return {b["extra_info"]["method"]: (b["extra_info"]["draws"] / _median(b), b["extra_info"].get("vocab"))
            for b in _in_group(results, "sampler")}


def sampler_section(results):
    rates = sampler_rates(results)
    if not rates:
        return []
    alias = rates.get("alias", (None,))[0]
    vocab = next(iter(rates.values()))[1]
    over = f" ({vocab:,}-word unigram^0.75 distribution)" if isinstance(vocab, int) else ""
    lines = [f"## Negative sampling: draws/s{over}", "",
             "| method | draws/s | alias table × this |", "|---|---|---|"]
    for method, (rate, _) in rates.items():
        lines.append(f"| {method} | {rate:,.0f} | {_fmt_ratio(_ratio(alias, rate))} |")
    return lines


def corpus_section(results):
    steps = {b["extra_info"]["step"]: (_median(b), b["extra_info"]) for b in _in_group(results, "corpus")}
    if not steps:
        return []
    info = next(iter(steps.values()))[1]
    mb = info["bytes"] / 1e6
    lines = [f"## Reading the corpus ({info['tokens']:,} tokens, {mb:,.1f} MB, "
             f"{info['vocab']:,}-word vocabulary)", "",
             "| step | median | MB/s |", "|---|---|---|"]
    for step in ("tokenize", "encode"):
        if step in steps:
            lines.append(f"| {step} | {_fmt_seconds(steps[step][0])} | {mb / steps[step][0]:,.1f} |")
    if "tokenize" in steps and "encode" in steps:
        both = steps["tokenize"][0] + steps["encode"][0]
        lines.append(f"| tokenize + encode | {_fmt_seconds(both)} | {mb / both:,.1f} |")
    if "vocabulary" in steps:
        lines.append(f"| vocabulary build | {_fmt_seconds(steps['vocabulary'][0])} | |")
    return lines


def startup_figures(results):
    """{"cold" | "warm": (seconds to the first epoch in the process, process wall seconds)}."""
    return {b["extra_info"]["start"]: (b["extra_info"]["seconds_to_first_epoch"], _median(b))
            for b in _in_group(results, "start-up") if "start" in b.get("extra_info", {})}


def startup_section(results):
    figures = startup_figures(results)
    if not figures:
        return []
    lines = ["## Start-up (a fresh process, tiny corpus)", "",
             "| start | import → end of first epoch | whole process |", "|---|---|---|"]
    for start in ("cold", "warm"):
        if start in figures:
            inside, wall = figures[start]
            how = "kernels compiled" if start == "cold" else "kernels from the cache"
            lines.append(f"| {start} ({how}) | "
                         f"{_fmt_seconds(inside)} | {_fmt_seconds(wall)} |")
    return lines


def memory_rows(results):
    """[(tokens, extra_info)] of the memory probes, by corpus size."""
    return sorted(((b["extra_info"]["words"], b["extra_info"]) for b in _in_group(results, "memory")),
                  key=lambda row: row[0])


def memory_section(results):
    rows = memory_rows(results)
    if not rows:
        return []
    base = rows[0][1]["rss_anon_mib"]
    lines = ["## Memory against corpus size (a fresh process: read, encode, one epoch)", "",
             "| corpus tokens | vocabulary | heap (RssAnon) MiB | × smallest | peak (VmHWM) MiB "
             "| mapped files (RssFile) MiB |",
             "|---|---|---|---|---|---|"]
    for tokens, info in rows:
        lines.append(f"| {tokens:,} | {info.get('vocab', 0):,} | {info['rss_anon_mib']:.1f} | "
                     f"{_fmt_ratio(_ratio(info['rss_anon_mib'], base))} | {info['peak_rss_mib']:.1f} | "
                     f"{info['rss_file_mib']:.1f} |")
    return lines


def quality_section(results):
    rows = [b["extra_info"] for b in _in_group(results, "quality")]
    if not rows:
        return []
    lines = ["## Vector quality (planted-analogy corpus, one epoch, one thread)", "",
             "| trainer | architecture | seeds | analogy accuracy | word-pair Spearman |",
             "|---|---|---|---|---|"]
    for info in rows:
        lines.append(f"| {info['trainer']} | {info['mode']} | {info['seeds']} | "
                     f"{info['analogy_mean']:.3f} ± {info['analogy_std']:.3f} | "
                     f"{info['pairs_spearman_mean']:.3f} ± {info['pairs_spearman_std']:.3f} |")
    return lines


def phrase_runs(results):
    """{"threads" | "gensim": extra_info} of the phrase pass benchmarks (bench/test_phrases.py)."""
    return {b["extra_info"]["compared"]: b["extra_info"] for b in _in_group(results, "phrases")
            if "compared" in b.get("extra_info", {})}


def phrases_section(results):
    runs, memory = phrase_runs(results), _in_group(results, "phrases memory")
    if not runs and not memory:
        return []
    lines = ["## Phrases: one pass (read, count, score, join, write the text)", ""]
    if runs:
        lines += ["| compared | run | input MB | median | MB/s |", "|---|---|---|---|---|"]
        for compared, info in runs.items():
            for name, median in info["median_seconds"].items():
                lines.append(f"| {compared} | {name} | {info['bytes'] / 1e6:,.1f} | {_fmt_seconds(median)} | "
                             f"{info['mb_per_second'][name]:,.1f} |")
        ratios = [f"{name}: {_fmt_ratio(value)}" for info in runs.values()
                  for name, value in info["ratios"].items()]
        lines += ["", "Ratios (medians): " + "; ".join(ratios) + "."]
    if memory:
        lines += ["", "| one-line corpus MB | --max-vocab | peak (VmHWM) MiB |", "|---|---|---|"]
        for bench in memory:
            info = bench["extra_info"]
            limit = "none" if info.get("max_vocab") is None else f"{info['max_vocab']:,}"
            lines.append(f"| {info['bytes'] / 1e6:,.1f} | {limit} | {info['peak_rss_mib']:.0f} |")
    return lines


def phrase_goals(results):
    """The phrase pass's goals: one thread's MB/s, two threads × one, × gensim."""
    runs = phrase_runs(results)
    threads, gensim = runs.get("threads"), runs.get("gensim")
    one = None if threads is None else threads["mb_per_second"]["1 thread"]
    two = None if threads is None else threads["ratios"]["2 threads / 1 thread"]
    peer = None if gensim is None else gensim["ratios"]["fastw2v / gensim"]
    return [
        Goal("phrase pass, one thread", f"≥ {PHRASE_MB_PER_S:g} MB/s", one,
             "" if one is None else f"{one:.1f} MB/s", None if one is None else one >= PHRASE_MB_PER_S),
        Goal("phrase pass, two threads × one thread", f"≥ {PHRASE_THREADS:g}×", two,
             "" if two is None else f"{two:.2f}×", None if two is None else two >= PHRASE_THREADS),
        Goal("phrase pass, one thread, × gensim Phrases + FrozenPhrases", f"≥ {PHRASE_GENSIM:g}×", peer,
             "" if peer is None else f"{peer:.1f}×", None if peer is None else peer >= PHRASE_GENSIM),
    ]


def subwords_section(results):
    speed, quality = _in_group(results, "subwords"), _in_group(results, "subwords quality")
    memory = _in_group(results, "subwords memory")
    if not (speed or quality or memory):
        return []
    lines = ["## Subwords (character n-grams): training words/s, memory, quality", ""]
    for bench in speed:
        medians = bench["extra_info"]["median_words_per_second"]
        lines += ["| trainer | 1 thread | 2 threads |", "|---|---|---|"]
        for trainer in ("fastw2v", "gensim", "fasttext"):
            lines.append(f"| {trainer} | {medians[f'{trainer}-1']:,.0f} | {medians[f'{trainer}-2']:,.0f} |")
        ratios = bench["extra_info"]["ratios"]
        lines += ["", "Ratios (medians): " + "; ".join(f"{k}: {_fmt_ratio(v)}" for k, v in ratios.items())
                  + "."]
    if memory:
        lines += ["", "| trainer | peak (VmHWM) MiB |", "|---|---|"]
        lines += [f"| {b['extra_info']['trainer']} | {b['extra_info']['peak_rss_mib']:,.0f} |"
                  for b in memory]
    for bench in quality:
        means = bench["extra_info"]["means"]
        lines += ["", "| trainer | analogy | WS353 | SimLex-999 | pairs with an unseen word |",
                  "|---|---|---|---|---|"]
        for trainer, scores in means.items():
            lines.append(f"| {trainer} | " + " | ".join(f"{scores[key]:.3f}" for key in (*SUBWORD_SCORES,
                                                                                      "unseen_pairs")) + " |")
    return lines


def subword_goals(results):
    """Subword training's goals: × the fasttext package and × gensim's FastText on 1 and 2
    threads; every score within SUBWORD_QUALITY of fastText's, unseen pairs at least its."""
    found = []
    for bench in _in_group(results, "subwords"):
        for peer, threshold in (("fasttext", SUBWORD_FASTTEXT), ("gensim", SUBWORD_GENSIM)):
            for threads in (1, 2):
                value = bench["extra_info"]["ratios"][f"fastw2v / {peer}, {threads} thread(s)"]
                found.append(Goal(f"subwords, {threads} thread(s), × {peer}", f"≥ {threshold:g}×", value,
                                  f"{value:.2f}×", value >= threshold))
    for bench in _in_group(results, "subwords quality"):
        ours, theirs = bench["extra_info"]["means"]["fastw2v"], bench["extra_info"]["means"]["fasttext"]
        worst = min(ours[key] - theirs[key] for key in SUBWORD_SCORES)
        found.append(Goal("subwords, analogy / WS353 / SimLex-999 against fastText",
                          f"≥ −{SUBWORD_QUALITY:g}", worst, f"{worst:+.3f} (the worst of the three)",
                          worst >= -SUBWORD_QUALITY))
        unseen = ours["unseen_pairs"] - theirs["unseen_pairs"]
        found.append(Goal("subwords, pairs with an unseen word, against fastText", "≥ 0", unseen,
                          f"{unseen:+.3f}", unseen >= 0))
    return found


def one_line_goals(results):
    """The one-line corpus's peak RSS: at most ONE_LINE_PEAK_MIB, and below gensim's."""
    peaks = {b["extra_info"]["trainer"]: b["extra_info"]["peak_rss_mib"]
             for b in _in_group(results, "one-line memory")}
    ours, theirs = peaks.get("fastw2v"), peaks.get("gensim")
    if ours is None:
        return []
    shown = f"{ours:,.0f} MiB" + ("" if theirs is None else f" (gensim {theirs:,.0f} MiB)")
    met = ours <= ONE_LINE_PEAK_MIB and (theirs is None or ours < theirs)
    return [Goal("one-line corpus, 2 threads, 1 epoch: peak RSS",
                 f"≤ {ONE_LINE_PEAK_MIB:g} MiB and below gensim's", ours, shown, met)]


def other_section(results):
    others = [b for b in results["benchmarks"] if b.get("group") not in KNOWN_GROUPS]
    if not others:
        return []
    lines = ["## Other measurements", "", "| measurement | median | figures |", "|---|---|---|"]
    for bench in others:
        figures = ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}"
                            for k, v in bench.get("extra_info", {}).items())
        lines.append(f"| {bench['name']} | {_fmt_seconds(_median(bench))} | {figures} |")
    return lines


# --- the goals ---------------------------------------------------------------------------------

def goals(results):
    """The issue's goals, each judged on this run's figures."""
    rows = speeds(results, ("training", "end-to-end"))
    gensim_1 = _speed_of(rows, "training", "gensim", 1)
    found = []

    def speed_goal(name, target, threshold, value, detail=""):
        measured = "" if value is None else f"{value:.2f}×{detail}"
        found.append(Goal(name, target, value, measured, None if value is None else value >= threshold))

    one = _ratio(_speed_of(rows, "training", "fastw2v", 1, "default"), gensim_1)
    aim = "" if one is None else f" (aim 3×: {'met' if one >= 3 else 'not yet'})"
    speed_goal("kernel, one thread, × gensim corpus_file (default mode)", "≥ 2.5× (aim 3×)", 2.5, one, aim)
    end_to_end = _ratio(_speed_of(rows, "end-to-end", "fastw2v", 1),
                        _speed_of(rows, "end-to-end", "gensim", 1))
    speed_goal("end to end (read, count, encode, train, write), one thread, × gensim", "≥ 2×", 2.0,
               end_to_end)
    for mode in ("default", "shared"):
        speed_goal(f"two threads × one thread, {mode} mode (fastest rounds)", "≥ 1.9×", 1.9,
                   *thread_scaling(rows, mode))
    shared = _ratio(_speed_of(rows, "training", "fastw2v", 1, "shared"), gensim_1)
    most = max((row.threads for row in rows if row.group == "training" and row.trainer == "fastw2v"
                and row.mode == "shared"), default=1)
    shared_most = _ratio(_speed_of(rows, "training", "fastw2v", most, "shared"),
                         _speed_of(rows, "training", "gensim", most))
    detail = f" ({most} threads: {shared_most:.2f}×)" if most > 1 and shared_most is not None else ""
    speed_goal("shared mode, one thread, × gensim corpus_file", "≥ 4×", 4.0, shared, detail)
    other = speeds(results, ("architectures",))
    for architecture in ARCHITECTURE_GOALS:
        peer = _speed_of(other, "architectures", "gensim", 1, architecture)
        in_shared_mode = _ratio(_speed_of(other, "architectures", "fastw2v", 1, f"{architecture} (shared)"),
                                peer)
        speed_goal(f"{architecture}, one thread, × gensim's {architecture} (default mode)", "≥ 2.5×", 2.5,
                   _ratio(_speed_of(other, "architectures", "fastw2v", 1, architecture), peer),
                   "" if in_shared_mode is None else f" (shared mode: {in_shared_mode:.2f}×)")
    found.append(memory_goal(results))
    warm = startup_figures(results).get("warm")
    found.append(Goal("warm start (fresh process, import → end of first epoch, tiny corpus)", "< 2 s",
                      warm and warm[0], "" if warm is None else f"{warm[0]:.2f} s",
                      None if warm is None else warm[0] < 2.0))
    return found + phrase_goals(results) + subword_goals(results) + one_line_goals(results)


def thread_scaling(rows, mode, threads=2):
    """fastw2v's `threads`-thread speed over its one-thread speed in `mode`, from each one's
    fastest round (a round slowed by a busy host says nothing of the trainer: see
    bench/machine.py), and a detail with the ratio of medians and the machine's core probe.

    Returns (ratio or None, detail)."""
    many = _row_of(rows, "training", "fastw2v", threads, mode)
    one = _row_of(rows, "training", "fastw2v", 1, mode)
    if many is None or one is None:
        return None, ""
    probe = _fmt_probe(many.core_scaling)
    detail = f" (medians: {many.speed / one.speed:.2f}×" + (f"; core probe {probe}" if probe else "") + ")"
    return many.best / one.best, detail


def memory_goal(results):
    rows = memory_rows(results)
    target = f"heap (RssAnon) grows < {MEMORY_TOLERANCE:.0%} from the smallest corpus to the largest"
    name = "memory flat in corpus size"
    if len(rows) < 2:
        return Goal(name, target, None, "", None)
    (small, first), (large, last) = rows[0], rows[-1]
    growth = last["rss_anon_mib"] / first["rss_anon_mib"] - 1.0
    measured = (f"{first['rss_anon_mib']:.1f} → {last['rss_anon_mib']:.1f} MiB ({growth:+.1%}) over "
                f"{_tokens(small)} → {_tokens(large)} tokens; peak {first['peak_rss_mib']:.0f} → "
                f"{last['peak_rss_mib']:.0f} MiB")
    return Goal(name, target, growth, measured, growth < MEMORY_TOLERANCE)


def goals_section(results):
    lines = ["## Goals", "", "| goal | target | measured | verdict |", "|---|---|---|---|"]
    for goal in goals(results):
        lines.append(f"| {goal.name} | {goal.target} | {goal.measured} | **{goal.verdict}** |")
    if results.get("machine_info", {}).get("fastw2v_bench", {}).get("quick"):
        lines += ["", "A quick run: every workload is shrunk (a 1M-token corpus for the speeds), so "
                      "these verdicts only check the pipeline; judge the goals on a full run."]
    return lines


def machine_line(results):
    machine = results.get("machine_info", {})
    cpu = machine.get("cpu", {})
    run = machine.get("fastw2v_bench", {})
    versions = ", ".join(f"{name} {run[name]}" for name in ("numba", "numpy", "gensim") if run.get(name))
    kind = {True: "quick run (FASTW2V_BENCH_QUICK=1)", False: "full run"}.get(run.get("quick"), "run")
    corpus = run.get("corpus")
    if corpus:
        kind += (f" on {corpus.get('path')}" +
                 (f" (its first {corpus['tokens']:,} tokens)" if corpus.get("tokens") else ""))
    return (f"Machine: {cpu.get('brand_raw') or machine.get('processor') or '?'}, "
            f"{cpu.get('count', '?')} cores, {machine.get('system', '')} {machine.get('machine', '')}; "
            f"Python {machine.get('python_version', '?')}" + (f", {versions}" if versions else "") +
            f". {kind[0].upper() + kind[1:]}, {results.get('datetime', '?')}.")


def markdown(results):
    """The whole report: the goals first, then every section whose figures the file holds."""
    lines = ["# fastw2v benchmarks", "", machine_line(results), ""]
    for section in (goals_section, training_section, peers_section, architectures_section, size_section,
                    reference_section, sampler_section, corpus_section, startup_section, memory_section,
                    quality_section, phrases_section, subwords_section, other_section):
        body = section(results)
        if body:
            lines += body + [""]
    return "\n".join(lines).rstrip() + "\n"


# --- the charts --------------------------------------------------------------------------------

def charts(results, out_dir):
    """Write the PNG charts whose figures the file holds; returns their paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import EngFormatter, NullLocator

    written = []

    def corpus_axis(axis, tokens):
        axis.set_xscale("log")
        axis.set_xticks(sorted(set(tokens)), [_tokens(n) for n in sorted(set(tokens))])
        axis.xaxis.set_minor_locator(NullLocator())
        axis.set_xlabel("corpus tokens (log scale)")

    def save(figure, axis, name, ylabel):
        axis.set_ylabel(ylabel)
        axis.yaxis.set_major_formatter(EngFormatter())
        axis.set_ylim(bottom=0)
        axis.grid(alpha=0.3)
        if axis.get_legend_handles_labels()[0]:
            axis.legend(fontsize=8)
        path = os.path.join(out_dir, name)
        figure.savefig(path, format="png", dpi=PNG_DPI, bbox_inches="tight")
        plt.close(figure)
        written.append(path)

    training = speeds(results, ("training",))
    if training:
        figure, axis = plt.subplots(figsize=(7, 4.5))
        for key in dict.fromkeys((row.trainer, row.mode) for row in training):
            line = sorted((row.threads, row.speed) for row in training if (row.trainer, row.mode) == key)
            axis.plot(*zip(*line), marker="o", label=" ".join(key))
        axis.set_xticks(sorted({row.threads for row in training}))
        axis.set_xlabel("threads")
        axis.set_title(f"Training words/s against threads ({_tokens(training[0].words)} tokens)")
        save(figure, axis, "threads.png", "words/s")

    sized = size_rows(results)
    if len({row.words for row in sized}) >= 2:
        figure, axis = plt.subplots(figsize=(7, 4.5))
        for key in dict.fromkeys((row.mode, row.threads) for row in sized):
            line = [(row.words, row.speed) for row in sized if (row.mode, row.threads) == key]
            axis.plot(*zip(*line), marker="o", label=f"{key[0]}, {key[1]} thread{'s' * (key[1] > 1)}")
        corpus_axis(axis, [row.words for row in sized])
        axis.set_title("fastw2v words/s against corpus size")
        save(figure, axis, "corpus_size.png", "words/s")

    memory = memory_rows(results)
    if memory:
        figure, axis = plt.subplots(figsize=(7, 4.5))
        tokens = [row[0] for row in memory]
        for key, label in (("rss_anon_mib", "heap (RssAnon)"), ("peak_rss_mib", "peak (VmHWM)"),
                           ("rss_file_mib", "mapped files (RssFile)")):
            axis.plot(tokens, [row[1][key] for row in memory], marker="o", label=label)
        corpus_axis(axis, tokens)
        axis.set_title("Memory of a training process against corpus size")
        save(figure, axis, "memory.png", "MiB")

    rates = sampler_rates(results)
    if rates:
        figure, axis = plt.subplots(figsize=(6, 4))
        axis.bar(list(rates), [rate for rate, _ in rates.values()], color="tab:blue")
        axis.set_title("Negative-sampling draws/s")
        save(figure, axis, "sampler.png", "draws/s")
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.report", description=__doc__.splitlines()[0])
    parser.add_argument("results", help="the JSON file of pytest --benchmark-json")
    parser.add_argument("--out", default=DEFAULT_OUT, help="folder for report.md and the charts "
                                                          "(default: bench/results)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    with open(args.results, encoding="utf-8") as handle:
        results = json.load(handle)
    text = markdown(results)
    os.makedirs(args.out, exist_ok=True)
    written = charts(results, args.out)
    if written:
        names = [os.path.basename(path) for path in written]
        text += "\nCharts: " + ", ".join(f"![{name}]({name})" for name in names) + "\n"
    with open(os.path.join(args.out, "report.md"), "w", encoding="utf-8") as handle:
        handle.write(text)
    print(text, end="")
    print(f"wrote report.md and {len(written)} chart(s) to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
