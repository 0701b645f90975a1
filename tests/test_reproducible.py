"""One thread and a seed give the same bytes as the recorded run: the vectors of a seeded run of
every architecture, and a `fastw2v train` output file, hashed.

The hashes were recorded before the kernels' arguments were bundled, so a restructuring that
changes any update, however slightly, fails here (those of hierarchical softmax again since its
Huffman tree breaks ties as fastText's). Compiled floating point (fused multiply-adds, vector
widths) depends on the processor and on Numba's LLVM, so the hashes hold on the hosts they were
recorded on (a znver3 and a rocketlake host gave the same bytes): elsewhere the test skips and
says why (`test_train` checks run-to-run identity on any host).
"""

import hashlib
import subprocess
import sys

import llvmlite.binding
import numba
import pytest

from fastw2v.synthetic import write_zipf_corpus
from fastw2v.train import Word2Vec

RECORDED_ON = {("znver3", "0.68.1"), ("rocketlake", "0.68.1")}  # llvmlite's host CPU name, numba's version
# TrainConfig's defaults (those the command line uses), with which the hashes were recorded
SETTINGS = dict(vector_size=24, window=4, min_count=2, epochs=2, workers=1, seed=7, sg=1, alpha=None,
                min_alpha=None)
CASES = {
    "sg-neg": (dict(), "fc9ced54bf6134f9b021d0e4fbd9f99dfec9b74674598704250d45913ee1149e"),
    "sg-neg-shared": (dict(mode="shared"),
                      "36cb250f04b335f2ed8cdabb66ac1c2a7764fa3ec4ff97e7b56d6f1a7b21f445"),
    "sg-hs": (dict(loss="hs"), "d776734dc093c66399975e6170b97f87e60ebfb92fd88de59499bcbf5c83df30"),
    "sg-hs+neg": (dict(loss="hs+neg"), "0f2098577393a45a53ada1eceef00edc927ac31324636daa31bdd401b5284b7f"),
    "sg-softmax": (dict(loss="softmax"), "cf80853572b61a73ba98db062ee09681e81d92688a1b945a06d563cf1f982518"),
    "cbow-neg": (dict(sg=0), "5d882704297b1248c97be2d426f3646f28f724144c6a168aa69033c9fbc420ac"),
    "cbow-sum-hs": (dict(sg=0, cbow_mean=0, loss="hs"),
                    "53a1ff7c5b508003afc5b14e59bbe1014724abb39c726082c47138ec55a988f3"),
    "cbow-hs+neg": (dict(sg=0, loss="hs+neg"),
                    "b8931b2892313b7b5b172c57d1adc01e051ba653d9505cb375e8bd633c31004f"),
    "cbow-softmax": (dict(sg=0, loss="softmax"),
                     "a2c78763e85b649c04f71201c1c1e7abfb49ec651f4db302045e604023a2310a"),
}
CLI_BINARY = "b9bc107d26c26e94ca4f38bb8e5432ce889ae7e9a2478d7195f58bad0b0d21e3"

pytestmark = pytest.mark.skipif(
    (llvmlite.binding.get_host_cpu_name(), numba.__version__) not in RECORDED_ON,
    reason="the hashes were recorded on hosts " + ", ".join(f"{cpu} with numba {version}"
                                                            for cpu, version in sorted(RECORDED_ON))
           + "; compiled floating point differs elsewhere")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("seeded") / "corpus.txt")
    write_zipf_corpus(path, 20000, 300, seed=3)
    return path


def weights_digest(model):
    digest = hashlib.sha256(model.wv.vectors.tobytes())
    for matrix in (model.syn1neg, model.syn1):
        if matrix is not None:
            digest.update(matrix.tobytes())
    return digest.hexdigest()


@pytest.mark.parametrize("name", CASES)
def test_a_seeded_run_gives_the_recorded_weights(corpus, name):
    settings, expected = CASES[name]
    assert weights_digest(Word2Vec(corpus_file=corpus, **{**SETTINGS, **settings})) == expected


def test_a_seeded_train_command_writes_the_recorded_file(corpus, tmp_path):
    output = tmp_path / "vectors.bin"
    subprocess.run([sys.executable, "-m", "fastw2v", "train", corpus, "-o", str(output), "--dim", "24",
                    "--threads", "1", "--seed", "7", "--epochs", "2", "--min-count", "2", "--quiet"],
                   check=True, stdin=subprocess.DEVNULL)
    assert hashlib.sha256(output.read_bytes()).hexdigest() == CLI_BINARY
