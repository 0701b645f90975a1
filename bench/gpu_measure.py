"""The GPU measurements, one script for a machine lent with a GPU (docs/gpu.md says how to run it).

    python3 -m bench.gpu_measure CORPUS --out DIR [--repeat 6] [--budget 420]

1. Words/s of the CUDA kernels (skip-gram with negatives in the shared and the default mode, and
   CBOW; dim 100, window 5, 5 negatives, one epoch) on CORPUS repeated --repeat times, after a
   warm-up run that compiles them; the CPU trainer's words/s on every core, side by side.
2. The CPU trainer's thread scaling: 1, 2, 4, 8 and 16 threads (or the machine's cores), one epoch
   of CORPUS.
3. Quality on CORPUS, 3 epochs: the CUDA kernel against the CPU kernel (every core), with
   questions-words analogies, WordSim353 and SimLex-999 (gensim's test data, from gensim or from
   FASTW2V_EVAL_DIR).

Each figure is written to DIR/gpu.json as soon as it is measured (a run stopped by its time limit
keeps what it measured), and DIR/gpu.md holds the tables. Steps whose turn comes after --budget
seconds are skipped, and say so.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time

SPEED = dict(vector_size=100, window=5, negative=5, min_count=5, sample=1e-3, epochs=1, seed=1)
QUALITY_EPOCHS = 3
ARCHITECTURES = {"sg-shared": dict(sg=1, mode="shared"), "sg-default": dict(sg=1, mode="default"),
                 "cbow": dict(sg=0)}


class Results:
    """The measurements so far, written to DIR/gpu.json after each one."""

    def __init__(self, directory):
        self.directory = directory
        self.values = {"machine": machine(), "speed": [], "threads": [], "quality": [], "skipped": [],
                       "errors": []}

    def add(self, section, row):
        self.values[section].append(row)
        print(f"{section}: {json.dumps(row)}", flush=True)
        self.save()

    def save(self):
        with open(os.path.join(self.directory, "gpu.json"), "w") as out:
            json.dump(self.values, out, indent=1)
        with open(os.path.join(self.directory, "gpu.md"), "w") as out:
            out.write(markdown(self.values))


def machine():
    """What the run ran on: the GPU (as fastw2v sees it), cores, versions."""
    import numba
    import numpy

    from fastw2v.errors import DeviceError
    from fastw2v.gpu import devices

    try:
        gpus = [device if isinstance(device, str) else device.describe() for device in devices()]
    except DeviceError as exc:
        gpus = [f"none: {exc}"]
    return {"gpus": gpus, "cores": os.cpu_count(), "python": sys.version.split()[0],
            "numba": numba.__version__, "numpy": numpy.__version__}


def train(corpus, device, workers, **settings):
    """Train one model; (model, seconds of the whole call)."""
    from fastw2v import Word2Vec

    start = time.perf_counter()
    model = Word2Vec(corpus_file=corpus, device=device, workers=workers, **settings)
    return model, time.perf_counter() - start


def speed_row(name, device, workers, model, seconds):
    stats = model.stats
    return {"trainer": name, "device": device, "threads": workers, "words": int(stats["words"]),
            "words_per_second": float(stats["words_per_second"]), "train_seconds": float(stats["seconds"]),
            "call_seconds": seconds, "epoch_loss": model.epoch_losses[-1]}


def repeated(corpus, times, directory):
    """CORPUS written `times` times into one file in `directory`."""
    path = os.path.join(directory, f"corpus-x{times}.txt")
    with open(path, "wb") as out:
        for _ in range(times):
            with open(corpus, "rb") as part:
                shutil.copyfileobj(part, out, 1 << 24)
    return path


def warm_up(corpus, cores):
    """Train every kernel once on the corpus's first 2 MB, so that no timing includes compiling."""
    warm = os.path.join(os.path.dirname(corpus), "warm-up.txt")
    with open(corpus, "rb") as source, open(warm, "wb") as out:
        out.write(source.read(2_000_000))
    for architecture in ARCHITECTURES.values():
        for device in ("cuda", "cpu"):
            train(warm, device, cores, **{**SPEED, **architecture})


def measure_speed(results, corpus, cores, deadline, tokens):
    """CUDA words/s by architecture, and the CPU's on every core, on the same file; a run whose
    predicted time (from the last words/s on its device) would pass the deadline is skipped."""
    rate = {}
    for name, architecture in ARCHITECTURES.items():
        for device in ("cuda", "cpu"):
            predicted = tokens / rate.get(device, float("inf"))
            if time.monotonic() + predicted > deadline:
                results.values["skipped"].append(f"speed {name} {device}")
                continue
            model, seconds = train(corpus, device, cores, **{**SPEED, **architecture})
            row = speed_row(name, device, cores, model, seconds)
            rate[device] = row["words_per_second"]
            results.add("speed", row)


def measure_threads(results, corpus, cores, deadline):
    for threads in sorted({t for t in (1, 2, 4, 8, 16) if t <= cores} | {cores}, reverse=True):
        if time.monotonic() > deadline:
            results.values["skipped"].append(f"threads {threads}")
            continue
        model, seconds = train(corpus, "cpu", threads, **SPEED)
        results.add("threads", speed_row("sg-default", "cpu", threads, model, seconds))


def measure_quality(results, corpus, cores, deadline):
    from bench.realtext import evaluation_sets, vocabulary_scores

    questions, pairs = evaluation_sets()
    runs = [("sg-shared", "cuda"), ("sg-shared", "cpu"), ("sg-default", "cuda"), ("sg-default", "cpu")]
    for name, device in runs:
        if time.monotonic() > deadline:
            results.values["skipped"].append(f"quality {name} {device}")
            continue
        settings = {**SPEED, **ARCHITECTURES[name], "epochs": QUALITY_EPOCHS}
        model, seconds = train(corpus, device, cores, **settings)
        scores = vocabulary_scores(model.wv, questions, pairs)
        results.add("quality", {**speed_row(name, device, cores, model, seconds), **scores})


def markdown(values):
    """The tables of gpu.json."""
    lines = ["# fastw2v on a GPU", "", f"Machine: {values['machine']}", ""]
    if values["speed"]:
        lines += ["## Words/s, one epoch", "", "| architecture | device | threads | words | words/s | "
                  "× CPU (same architecture) |", "|---|---|---|---|---|---|"]
        cpu = {row["trainer"]: row["words_per_second"] for row in values["speed"] if row["device"] == "cpu"}
        for row in values["speed"]:
            ratio = row["words_per_second"] / cpu[row["trainer"]] if row["trainer"] in cpu else float("nan")
            lines.append(f"| {row['trainer']} | {row['device']} | {row['threads']} | {row['words']:,} | "
                         f"{row['words_per_second']:,.0f} | {ratio:.2f} |")
        lines.append("")
    if values["threads"]:
        one = min(values["threads"], key=lambda row: row["threads"])["words_per_second"]
        lines += ["## CPU thread scaling (skip-gram, default mode)", "",
                  "| threads | words/s | × one thread |", "|---|---|---|"]
        for row in sorted(values["threads"], key=lambda row: row["threads"]):
            speed = row["words_per_second"]
            lines.append(f"| {row['threads']} | {speed:,.0f} | {speed / one:.2f} |")
        lines.append("")
    if values["quality"]:
        lines += [f"## Quality, {QUALITY_EPOCHS} epochs", "",
                  "| architecture | device | analogy | WS353 | SimLex-999 | words/s |",
                  "|---|---|---|---|---|---|"]
        for row in values["quality"]:
            scores = " | ".join(_score(row[name]) for name in ("analogy", "ws353", "simlex"))
            speed = row['words_per_second']
            lines.append(f"| {row['trainer']} | {row['device']} | {scores} | {speed:,.0f} |")
        lines.append("")
    if values["skipped"]:
        lines += ["Skipped (time budget): " + ", ".join(values["skipped"]), ""]
    for error in values["errors"]:
        lines += [f"Error: {error}", ""]
    return "\n".join(lines)


def _score(value):
    """A score to 4 places, or n/a (no question or pair covered)."""
    return "n/a" if value is None or value != value else f"{value:.4f}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", help="a text corpus (the real English corpus: "
                                       "../shared/tools/build_corpus.sh)")
    parser.add_argument("--out", required=True, help="folder for gpu.json and gpu.md")
    parser.add_argument("--repeat", type=int, default=6, help="copies of the corpus the speed runs train")
    parser.add_argument("--budget", type=float, default=420.0, help="seconds after which steps are skipped")
    parser.add_argument("--dim", type=int, default=SPEED["vector_size"],
                        help="vector dimensions (default %(default)s; a small one for a dry run)")
    args = parser.parse_args(argv)
    SPEED["vector_size"] = args.dim
    deadline = time.monotonic() + args.budget
    os.makedirs(args.out, exist_ok=True)
    cores = os.cpu_count() or 1
    results = Results(args.out)
    results.save()
    with tempfile.TemporaryDirectory(prefix="fastw2v-gpu-") as scratch:
        big = repeated(args.corpus, args.repeat, scratch)
        steps = [("warm-up", lambda: warm_up(big, cores)),
                 ("speed", lambda: measure_speed(results, big, cores, deadline, tokens_of(big))),
                 ("quality", lambda: measure_quality(results, args.corpus, cores, deadline)),
                 ("threads", lambda: measure_threads(results, args.corpus, cores, deadline))]
        for name, step in steps:
            try:
                step()
            except Exception as exc:  # one step's failure (a kernel that does not compile) spares the rest
                results.values["errors"].append(f"{name}: {type(exc).__name__}: {exc}")
                results.save()
                print(f"{name} failed: {exc}", file=sys.stderr, flush=True)
    return 1 if results.values["errors"] else 0


def tokens_of(path):
    """About how many tokens a text file holds (its bytes / 5.6, the English corpus's ratio)."""
    return os.path.getsize(path) / 5.6


if __name__ == "__main__":
    sys.exit(main())
