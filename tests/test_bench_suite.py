"""The benchmark suite collects, and `bench.report` turns a results file into the right tables,
ratios, goal verdicts and charts. No benchmark runs here: the results file is made by hand, shaped
like pytest-benchmark's JSON with the extra_info the benchmarks in bench/ write."""

import json
import os
import subprocess
import sys

import pytest

from bench import report
from bench.conftest import THREADS

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
EXPECTED_TESTS = (
    "bench/test_peers.py::test_fastw2v_training[default-1]",
    "bench/test_peers.py::test_fastw2v_training[shared-1]",
    "bench/test_peers.py::test_gensim_training[1]",
    "bench/test_peers.py::test_word2vec_c_training[1]",
    "bench/test_peers.py::test_fasttext_training[no subwords-1]",
    "bench/test_peers.py::test_fasttext_training[subwords 3-6-1]",
    "bench/test_kernel.py::test_training_against_corpus_size[100k-default-1]",
    "bench/test_kernel.py::test_training_against_corpus_size[300k-shared-1]",
    "bench/test_end_to_end.py::test_fastw2v_end_to_end",
    "bench/test_end_to_end.py::test_gensim_end_to_end",
    "bench/test_end_to_end.py::test_end_to_end_side_by_side",
    "bench/test_reference.py::test_reference_pair_update",
    "bench/test_reference.py::test_kernel_pair_update",
    "bench/test_reference.py::test_reference_sgd_iteration",
    "bench/test_reference.py::test_fast_sgd_iteration",
    "bench/test_reference.py::test_cs224n_run[reference]",
    "bench/test_reference.py::test_cs224n_run[fast]",
    "bench/test_sampler.py::test_alias_draws",
    "bench/test_sampler.py::test_numpy_choice_draws",
    "bench/test_sampler.py::test_searchsorted_draws",
    "bench/test_io.py::test_tokenize",
    "bench/test_io.py::test_vocabulary",
    "bench/test_io.py::test_encode",
    "bench/test_startup_memory.py::test_warm_start",
    "bench/test_startup_memory.py::test_cold_start",
    "bench/test_startup_memory.py::test_peak_memory_against_corpus_size[1]",
    "bench/test_startup_memory.py::test_peak_memory_against_corpus_size[4]",
    "bench/test_startup_memory.py::test_peak_memory_against_corpus_size[16]",
    "bench/test_quality.py::test_fastw2v_quality[sg-neg-default]",
    "bench/test_quality.py::test_fastw2v_quality[sg-neg-shared]",
    "bench/test_quality.py::test_fastw2v_quality[cbow-hs-default]",
    "bench/test_quality.py::test_gensim_quality[sg-hs]",
    "bench/test_architectures.py::test_fastw2v_architecture[sg-hs-default-1]",
    "bench/test_architectures.py::test_fastw2v_architecture[sg-hs-shared-1]",
    "bench/test_architectures.py::test_fastw2v_architecture[cbow-neg-default-1]",
    "bench/test_architectures.py::test_gensim_architecture[cbow-hs]",
    "bench/test_phrases.py::test_phrase_pass_on_one_and_two_threads",
    "bench/test_phrases.py::test_phrase_pass_against_gensim",
    "bench/test_phrases.py::test_phrase_peak_memory_on_a_one_line_corpus[no limit]",
    "bench/test_phrases.py::test_phrase_peak_memory_on_a_one_line_corpus[max-vocab]",
)


def test_bench_suite_collects_every_benchmark():
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "bench"],
        cwd=ROOT, capture_output=True, text=True, env=dict(os.environ, FASTW2V_BENCH_QUICK="1"))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    collected = {line.strip() for line in done.stdout.splitlines() if "::" in line}
    missing = [name for name in EXPECTED_TESTS if name not in collected]
    assert not missing, f"not collected: {missing}"
    sizes = [name for name in collected if "test_training_against_corpus_size" in name]
    assert len(sizes) == 2 * 2 * len(THREADS)  # two sizes × two modes × thread counts


def bench(name, group, median, fastest=None, **info):
    """One benchmark entry as pytest-benchmark writes it (the fields the report reads); the
    fastest round takes `median` seconds unless given."""
    fastest = median if fastest is None else fastest
    return {"name": name, "fullname": f"bench/x.py::{name}", "group": group, "params": None,
            "stats": {"min": fastest, "max": median, "mean": median, "median": median, "rounds": 3},
            "extra_info": info}


def speed(name, group, median, trainer, mode, threads, words=1_000_000, **info):
    return bench(name, group, median, trainer=trainer, mode=mode, threads=threads, words=words,
                 vocab=20_000, **info)


@pytest.fixture
def results():
    """A full run's figures, chosen so every ratio is exact and some goals are missed."""
    memory = {1_000_000: 80.0, 4_000_000: 82.0, 16_000_000: 84.0}
    return {
        "machine_info": {"machine": "x86_64", "system": "Linux", "python_version": "3.11.7",
                         "cpu": {"brand_raw": "AMD EPYC", "count": 2},
                         "fastw2v_bench": {"quick": False, "numba": "0.68.1", "numpy": "2.0",
                                           "gensim": "4.4.0"}},
        "datetime": "2026-01-01T00:00:00",
        "benchmarks": [
            speed("fd1", "training", 0.4, "fastw2v", "default", 1),     # 2.5M words/s
            # 4M: 1.60× own 1 thread by medians, 0.4 / 0.22 = 1.82× by fastest rounds
            speed("fd2", "training", 0.25, "fastw2v", "default", 2, fastest=0.22,
                  core_scaling=[1.31, 1.97, 1.99]),
            speed("fs1", "training", 0.25, "fastw2v", "shared", 1),     # 4M: 4.80× gensim
            speed("fs2", "training", 0.125, "fastw2v", "shared", 2),    # 8M: 2.00× own 1 thread
            speed("g1", "training", 1.2, "gensim", "corpus_file", 1),
            speed("g2", "training", 0.7, "gensim", "corpus_file", 2),
            # an external peer, timed end to end (2.4 s: 0.50× gensim), a median 1.55 s of it training (0.77×)
            speed("c1", "training", 2.4, "word2vec.c", "end to end", 1, train_seconds=[1.6, 1.5, None],
                  reported_words_per_s=[700_000.0, 650_000.0, 600_000.0]),
            speed("e2e-f", "end-to-end", 1.0, "fastw2v", "default", 1, words=500_000),
            speed("e2e-g", "end-to-end", 1.8, "gensim", "corpus_file", 1, words=500_000),
            speed("a-sh", "architectures", 0.2, "fastw2v", "sg-hs", 1),        # 5M: 2.40× gensim
            speed("a-sh-g", "architectures", 0.48, "gensim", "sg-hs", 1),
            speed("a-shs", "architectures", 0.1, "fastw2v", "sg-hs (shared)", 1),  # 10M: 4.80× gensim
            speed("a-sh2", "architectures", 0.125, "fastw2v", "sg-hs", 2, core_scaling=[1.98]),  # 1.60×
            speed("a-cn", "architectures", 0.1, "fastw2v", "cbow-neg", 1),     # 10M: 3.00× gensim
            speed("a-cn-g", "architectures", 0.3, "gensim", "cbow-neg", 1),
            speed("size-s", "corpus-size", 0.05, "fastw2v", "default", 1, words=100_000),   # 2M
            speed("size-m", "corpus-size", 0.125, "fastw2v", "default", 1, words=300_000),  # 2.4M
            bench("pair-ref", "reference", 0.2, kind="pair-update", engine="reference", pairs=2000,
                  vocab=1000, dim=100, negative=5),
            bench("pair-fast", "reference", 0.2, kind="pair-update", engine="fast", pairs=500_000,
                  vocab=1000, dim=100, negative=5),
            bench("it-ref", "reference", 0.05, kind="cs224n-iteration", engine="reference", iterations=1),
            bench("it-fast", "reference", 0.05, kind="cs224n-iteration", engine="fast", iterations=100),
            bench("run-ref", "reference", 9.0, kind="cs224n-run", engine="reference", iterations=300,
                  train_seconds=8.0),
            bench("run-fast", "reference", 3.0, kind="cs224n-run", engine="fast", iterations=300,
                  train_seconds=2.0),
            bench("alias", "sampler", 0.01, method="alias", draws=1_000_000, vocab=80_000),
            bench("choice", "sampler", 0.1, method="numpy-choice", draws=1_000_000, vocab=80_000),
            bench("search", "sampler", 0.08, method="searchsorted", draws=1_000_000, vocab=80_000),
            bench("tok", "corpus", 0.5, step="tokenize", bytes=5_000_000, tokens=1_000_000, vocab=20_000),
            bench("voc", "corpus", 0.05, step="vocabulary", bytes=5_000_000, tokens=1_000_000, vocab=20_000),
            bench("enc", "corpus", 0.1, step="encode", bytes=5_000_000, tokens=1_000_000, vocab=20_000),
            bench("warm", "start-up", 0.8, start="warm", seconds_to_first_epoch=0.5),
            bench("cold", "start-up", 6.5, start="cold", seconds_to_first_epoch=6.0),
        ] + [bench(f"mem{n}", "memory", 1.0, words=n, vocab=20_000, rss_anon_mib=heap,
                   peak_rss_mib=heap + 100, rss_file_mib=90.0 + n / 1e6)
             for n, heap in memory.items()] + [
            bench("test_gensim_quality", "quality", 0.7, trainer="gensim", mode="cbow-hs", seeds=3,
                  analogy_mean=0.85, analogy_std=0.02, pairs_spearman_mean=0.081, pairs_spearman_std=0.003),
            bench("test_new_thing", None, 0.7, widgets=3, share=0.125),
            bench("ph-threads", "phrases", 2.0, compared="threads", bytes=100_000_000,
                  median_seconds={"1 thread": 1.6, "2 threads": 1.0},
                  mb_per_second={"1 thread": 62.5, "2 threads": 100.0}, ratios={"2 threads / 1 thread": 1.6}),
            bench("ph-gensim", "phrases", 2.0, compared="gensim", bytes=10_000_000,
                  median_seconds={"fastw2v": 0.2, "gensim": 5.0},
                  mb_per_second={"fastw2v": 50.0, "gensim": 2.0}, ratios={"fastw2v / gensim": 25.0}),
            bench("ph-mem", "phrases memory", 3.0, bytes=90_000_000, max_vocab=None, peak_rss_mib=470.2),
            bench("sub", "subwords", 9.0, median_words_per_second={
                "fastw2v-1": 600_000.0, "fastw2v-2": 1_000_000.0, "gensim-1": 200_000.0,
                "gensim-2": 400_000.0, "fasttext-1": 100_000.0, "fasttext-2": 500_000.0},
                  ratios={"fastw2v / fasttext, 1 thread(s)": 6.0, "fastw2v / fasttext, 2 thread(s)": 2.0,
                          "fastw2v / gensim, 1 thread(s)": 3.0, "fastw2v / gensim, 2 thread(s)": 2.5}),
            bench("sub-q", "subwords quality", 60.0, means={
                "fastw2v": {"analogy": 0.40, "ws353": 0.40, "simlex": 0.17, "unseen_pairs": 0.10},
                "fasttext": {"analogy": 0.41, "ws353": 0.39, "simlex": 0.2, "unseen_pairs": 0.11}}),
            bench("ol-f", "one-line memory", 19.0, trainer="fastw2v", peak_rss_mib=262.0),
            bench("ol-g", "one-line memory", 15.0, trainer="gensim", peak_rss_mib=250.0),
        ],
    }


def verdicts(results):
    return {goal.name: (goal.verdict, None if goal.value is None else round(goal.value, 4))
            for goal in report.goals(results)}


def test_report_goals_judge_the_figures(results):
    assert verdicts(results) == {
        "kernel, one thread, × gensim corpus_file (default mode)": ("met", 3.0),
        "end to end (read, count, encode, train, write), one thread, × gensim": ("not met", 1.8),
        "two threads × one thread, default mode (fastest rounds)": ("not met", 1.8182),
        "two threads × one thread, shared mode (fastest rounds)": ("met", 2.0),
        "shared mode, one thread, × gensim corpus_file": ("met", 4.8),
        "cbow-neg, one thread, × gensim's cbow-neg (default mode)": ("met", 3.0),
        "sg-hs, one thread, × gensim's sg-hs (default mode)": ("not met", 2.4),
        "memory flat in corpus size": ("met", 0.05),
        "warm start (fresh process, import → end of first epoch, tiny corpus)": ("met", 0.5),
        "phrase pass, one thread": ("met", 62.5),
        "phrase pass, two threads × one thread": ("not met", 1.6),
        "phrase pass, one thread, × gensim Phrases + FrozenPhrases": ("met", 25.0),
        "subwords, 1 thread(s), × fasttext": ("met", 6.0),
        "subwords, 2 thread(s), × fasttext": ("not met", 2.0),
        "subwords, 1 thread(s), × gensim": ("met", 3.0),
        "subwords, 2 thread(s), × gensim": ("not met", 2.5),
        "subwords, analogy / WS353 / SimLex-999 against fastText": ("not met", -0.03),
        "subwords, pairs with an unseen word, against fastText": ("not met", -0.01),
        "one-line corpus, 2 threads, 1 epoch: peak RSS": ("not met", 262.0),  # above gensim's
    }
    text = report.markdown(results)
    assert "| 3.00× (aim 3×: met) | **met** |" in text
    assert "| 1.80× | **not met** |" in text
    assert "4.80× (2 threads: 5.60×)" in text
    assert "| 1.82× (medians: 1.60×; core probe 1.31–1.99×) | **not met** |" in text
    assert "| 2.00× (medians: 2.00×) | **met** |" in text
    assert "| 2.40× (shared mode: 4.80×) | **not met** |" in text
    assert "80.0 → 84.0 MiB (+5.0%) over 1M → 16M tokens" in text
    assert "| threads | 2 threads | 100.0 | 1 s | 100.0 |" in text
    assert "| 90.0 | none | 470 |" in text


def test_report_goals_say_what_was_not_measured(results):
    results["benchmarks"] = [b for b in results["benchmarks"]
                             if b["extra_info"].get("trainer") != "gensim" and b["group"] != "start-up"]
    for entry in results["benchmarks"]:
        if entry["name"] == "mem16000000":
            entry["extra_info"]["rss_anon_mib"] = 96.0  # +20%
    found = verdicts(results)
    assert found["kernel, one thread, × gensim corpus_file (default mode)"] == ("not measured", None)
    assert found["shared mode, one thread, × gensim corpus_file"] == ("not measured", None)
    assert found["sg-hs, one thread, × gensim's sg-hs (default mode)"] == ("not measured", None)
    assert (found["warm start (fresh process, import → end of first epoch, tiny corpus)"]
            == ("not measured", None))
    assert found["memory flat in corpus size"] == ("not met", 0.2)
    assert found["two threads × one thread, default mode (fastest rounds)"] == ("not met", 1.8182)


def test_report_tables_hold_the_ratios(results):
    text = report.markdown(results)
    for row in (
        "| training | fastw2v | default | 1 | 1,000,000 | 2,500,000 | 3.00 | 1.00 |  |",
        "| training | fastw2v | default | 2 | 1,000,000 | 4,000,000 | 2.80 | 1.60 | 1.31–1.99× |",
        "| training | fastw2v | shared | 2 | 1,000,000 | 8,000,000 | 5.60 | 2.00 |  |",
        "| end-to-end | fastw2v | default | 1 | 500,000 | 500,000 | 1.80 | 1.00 |  |",
        "| fastw2v | sg-hs | 1 | 1,000,000 | 5,000,000 | 2.40 | 1.00 |  |",
        "| fastw2v | sg-hs (shared) | 1 | 1,000,000 | 10,000,000 | 4.80 | 1.00 |  |",
        "| fastw2v | sg-hs | 2 | 1,000,000 | 8,000,000 |  | 1.60 | 1.98× |",
        "| gensim | cbow-neg | 1 | 1,000,000 | 3,333,333 | 1.00 | 1.00 |  |",
        # the size axis: test_kernel.py's two sizes and test_peers.py's 1M, against the smallest
        "| 100,000 | 20,000 | default | 1 | 2,000,000 | 1.00 |",
        "| 300,000 | 20,000 | default | 1 | 2,400,000 | 1.20 |",
        "| 1,000,000 | 20,000 | default | 1 | 2,500,000 | 1.25 |",
        "| 100 µs | 0.4 µs | 250× |",
        "| 50 ms | 500 µs | 100× |",
        "first 300 iterations (sub-sampled corpus + SGD) | 8 s | 2 s | 4.00× |",
        "| alias | 100,000,000 | 1.00 |",
        "| numpy-choice | 10,000,000 | 10.00 |",
        "| searchsorted | 12,500,000 | 8.00 |",
        "| tokenize | 500 ms | 10.0 |",
        "| encode | 100 ms | 50.0 |",
        "| tokenize + encode | 600 ms | 8.3 |",
        "| vocabulary build | 50 ms | |",
        "| cold (kernels compiled) | 6 s | 6.5 s |",
        "| warm (kernels from the cache) | 500 ms | 800 ms |",
        "| 16,000,000 | 20,000 | 84.0 | 1.05 | 184.0 | 106.0 |",
        "| gensim | cbow-hs | 3 | 0.850 ± 0.020 | 0.081 ± 0.003 |",
        "| training | word2vec.c | end to end | 1 | 1,000,000 | 416,667 | 0.50 | 1.00 |  |",
        "| word2vec.c | end to end | 1 | 416,667 | 0.50 | 645,161 | 0.77 | 650,000 |",
        "| test_new_thing | 700 ms | widgets=3, share=0.125 |",
    ):
        assert row in text, row
    assert "Machine: AMD EPYC, 2 cores" in text and "Full run" in text and "numba 0.68.1" in text


def test_report_writes_markdown_and_charts(results, tmp_path, capsys):
    source = tmp_path / "results.json"
    source.write_text(json.dumps(results), encoding="utf-8")
    out = tmp_path / "out"
    assert report.main([str(source), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed == (out / "report.md").read_text(encoding="utf-8")
    assert "## Goals" in printed
    for name in ("threads.png", "corpus_size.png", "memory.png", "sampler.png"):
        with open(out / name, "rb") as handle:
            assert handle.read(8) == PNG_MAGIC, name
        assert f"]({name})" in printed


def test_report_skips_the_charts_it_has_no_figures_for(results, tmp_path):
    results["benchmarks"] = [b for b in results["benchmarks"] if b["group"] == "sampler"]
    assert [os.path.basename(p) for p in report.charts(results, str(tmp_path))] == ["sampler.png"]
    assert "## Training speed" not in report.markdown(results)
