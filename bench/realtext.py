"""Scoring word vectors trained on real text with gensim's test data: questions-words analogies,
WordSim353 and SimLex-999 (the files gensim ships in gensim/test/test_data), for the benchmarks
that compare trainers on a real corpus (`bench.subword_quality`, `bench.lanes`)."""

import os


def gensim_test_file(name):
    """The path of one of gensim's evaluation files (questions-words.txt, wordsim353.tsv,
    simlex999.txt): in $FASTW2V_EVAL_DIR when set (a machine without gensim), else gensim's."""
    if os.environ.get("FASTW2V_EVAL_DIR"):
        return os.path.join(os.environ["FASTW2V_EVAL_DIR"], name)
    import gensim

    return os.path.join(os.path.dirname(gensim.__file__), "test", "test_data", name)


def evaluation_sets():
    """(analogy questions, {name: word pairs}) from gensim's test data."""
    from fastw2v.evaluate import read_analogies, read_word_pairs

    questions = read_analogies(gensim_test_file("questions-words.txt"))
    pairs = {"ws353": read_word_pairs(gensim_test_file("wordsim353.tsv")),
             "simlex": read_word_pairs(gensim_test_file("simlex999.txt"))}
    return questions, pairs


def vocabulary_scores(vectors, questions, pairs):
    """{analogy, analogy_coverage, <pair set>, <pair set>_oov} on a model's vocabulary words."""
    from fastw2v.evaluate import evaluate_analogies, evaluate_word_pairs

    analogies = evaluate_analogies(vectors, questions)
    scores = {"analogy": analogies.accuracy, "analogy_coverage": analogies.coverage}
    for name, sets in pairs.items():
        result = evaluate_word_pairs(vectors, sets)
        scores[name], scores[f"{name}_oov"] = result.spearman, result.oov
    return scores
