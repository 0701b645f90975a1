"""fastText's subwords: the hash against gensim's fastText-compatible one, the n-grams against
gensim's and (where the fasttext package is installed) fastText's own, and the compiled index
against the plain-Python definitions."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastw2v import subwords
from fastw2v.errors import ConfigError

WORDS = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc")), min_size=1,
                max_size=12)


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=40))
def test_the_hash_is_gensims_fasttext_compatible_one(data):
    fasttext = pytest.importorskip("gensim.models.fasttext")
    assert subwords.ngram_hash(data) == fasttext.ft_hash_bytes(data)


def test_the_hash_reads_bytes_as_signed_chars():
    # FNV-1a over b"\xe9" as 0xE9 would be (2166136261 ^ 0xE9) * 16777619 mod 2**32; fastText
    # xors 0xFFFFFFE9.
    assert subwords.ngram_hash(b"\xe9") == ((2166136261 ^ 0xFFFFFFE9) * 16777619) & 0xFFFFFFFF
    assert subwords.ngram_hash(b"a") == ((2166136261 ^ 0x61) * 16777619) & 0xFFFFFFFF


@settings(max_examples=200, deadline=None)
@given(word=WORDS, minn=st.integers(1, 4), extra=st.integers(0, 3))
def test_the_ngrams_are_gensims(word, minn, extra):
    fasttext = pytest.importorskip("gensim.models.fasttext")
    maxn = minn + extra
    theirs = fasttext.compute_ngrams_bytes(word, minn, maxn)
    assert sorted(subwords.word_ngrams(word, minn, maxn)) == sorted(theirs)


def test_the_ngrams_come_in_fasttexts_order_and_never_alone_at_the_ends():
    assert subwords.word_ngrams("ab", 1, 2) == [b"<a", b"a", b"ab", b"b", b"b>"]
    assert subwords.word_ngrams("né", 2, 3) == [b"<n", "<né".encode(), "né".encode(), "né>".encode(),
                                                 "é>".encode()]
    assert subwords.word_ngrams("</s>") == [] and subwords.word_ngrams("where", 3, 0) == []


@settings(max_examples=50, deadline=None)
@given(words=st.lists(WORDS, min_size=1, max_size=20), minn=st.integers(1, 3), extra=st.integers(0, 3),
       bucket=st.sampled_from([1, 7, 1000, 2_000_000]))
def test_the_compiled_index_is_the_definition(words, minn, extra, bucket):
    index = subwords.SubwordIndex.build(words, minn, minn + extra, bucket)
    for i, word in enumerate(words):
        np.testing.assert_array_equal(index.of(i), subwords.ngram_rows(word, minn, minn + extra, bucket))
    assert index.rows.dtype == np.int32 and index.offsets[-1] == index.rows.size


def test_the_end_of_line_word_and_maxn_zero_have_no_ngrams():
    index = subwords.SubwordIndex.build(["</s>", "word"], 3, 6, 100)
    assert index.of(0).size == 0 and index.of(1).size == len(subwords.word_ngrams("word"))
    assert subwords.SubwordIndex.build(["word"], 3, 0, 0).rows.size == 0


def test_the_ngram_rows_are_fasttexts_own(tmp_path):
    fasttext = pytest.importorskip("fasttext")
    path = tmp_path / "corpus.txt"
    path.write_text("déjà vu where were we naïve café\n" * 20, encoding="utf-8")
    model = fasttext.train_unsupervised(str(path), minn=2, maxn=5, bucket=5000, dim=4, epoch=1, minCount=1,
                                        thread=1, verbose=0)
    words = model.get_words()
    index = subwords.SubwordIndex.build(words, 2, 5, 5000)
    for i, word in enumerate(words):
        _, ids = model.get_subwords(word)
        assert ids[0] == i  # the word's own row first, then its n-grams'
        np.testing.assert_array_equal(ids[1:] - len(words), index.of(i))


@pytest.mark.parametrize("minn, maxn, bucket, named", [
    (4, 3, 10, "minn 4 and maxn 3"), (0, 3, 10, "minn 0"), (3, 6, 0, "bucket 0"), (3, -1, 10, "maxn"),
    (3.0, 6, 10, "minn"), (True, 6, 10, "minn"),
])
def test_bad_settings_are_refused_by_name(minn, maxn, bucket, named):
    with pytest.raises(ConfigError, match=named):
        subwords.SubwordIndex.build(["word"], minn, maxn, bucket)
