"""`fastw2v download`: files served by a local HTTP server under dataset entries whose size and
checksums match small archives built here; no test touches the network."""

import dataclasses
import functools
import hashlib
import http.server
import importlib.util
import os
import threading
import zipfile
from collections import namedtuple

import pytest

from fastw2v import cli
from fastw2v.cs224n.sst import SST_SENTENCES_FILE, StanfordSentiment
from fastw2v.download import DATASETS, HEX_LENGTHS, MIRROR_ENV_VAR, Fetched, download, resolve_url
from fastw2v.errors import DatasetError, OutputError
from tests.test_cs224n import run_cli

SENTENCES = "sentence_index\tsentence\n1\tA good film .\n2\tA bad , bad film .\n"
UNREACHABLE = "http://127.0.0.1:1"  # port 1: nothing listens there, the connection is refused
Served = namedtuple("Served", "root url requests")


@pytest.fixture
def served(tmp_path_factory):
    """A local HTTP server over a fresh folder (not under tmp_path, which the tests list);
    `requests` lists the paths it was asked for."""
    root = tmp_path_factory.mktemp("served")
    requests = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            super().do_GET()

        def log_message(self, *args):
            pass

    handler = functools.partial(Handler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield Served(root, f"http://127.0.0.1:{server.server_address[1]}", requests)
    server.shutdown()
    server.server_close()


def sha(data, algorithm="sha256"):
    return hashlib.new(algorithm, data).hexdigest()


def serve_sst_zip(served, name="stanfordSentimentTreebank.zip", sentences=SENTENCES):
    """An SST-shaped zip (with the __MACOSX folder of the real one) on the server, and the real
    `sst` entry pointed at it with its size and SHA-256."""
    path = served.root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as bundle:
        bundle.writestr(f"stanfordSentimentTreebank/{SST_SENTENCES_FILE}", sentences)
        bundle.writestr("stanfordSentimentTreebank/README.txt", "Stanford Sentiment Treebank V1.0\n")
        bundle.writestr("__MACOSX/stanfordSentimentTreebank/._datasetSentences.txt", "resource fork")
    data = path.read_bytes()
    return dataclasses.replace(DATASETS["sst"], url=f"{served.url}/{name}", size=len(data),
                               checksums=(("sha256", sha(data)),))


def serve_text8_zip(served, text=b"anarchism originated as a term of abuse"):
    """A text8-shaped zip (one member, `text8`) and the real entry pointed at it, the unpacked file's
    size and SHA-1 included."""
    path = served.root / "text8.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("text8", text)
    data = path.read_bytes()
    return dataclasses.replace(DATASETS["text8"], url=f"{served.url}/text8.zip", size=len(data),
                               checksums=(("sha1", sha(data, "sha1")),), ready_size=len(text),
                               ready_checksums=(("sha1", sha(text, "sha1")),))


def serve_pairs(served, data=b"tiger\tcat\t7.35\nbook\tpaper\t7.46\n"):
    (served.root / "wordsim353.tsv").write_bytes(data)
    return dataclasses.replace(DATASETS["wordsim353"], url=f"{served.url}/wordsim353.tsv", size=len(data),
                               checksums=(("sha256", sha(data)),), ready_size=len(data),
                               ready_checksums=(("sha256", sha(data)),))


def fetch(dataset, directory, **kwargs):
    return download(dataset.name, directory, datasets={dataset.name: dataset}, timeout=5, **kwargs)


def test_archive_is_verified_then_unpacked_where_the_sst_loader_reads_it(served, tmp_path):
    sst = serve_sst_zip(served)
    dest = tmp_path / "data"
    result = fetch(sst, dest, progress=True)
    assert result == Fetched(str(dest / "stanfordSentimentTreebank"), True)
    assert StanfordSentiment(result.path).sentences() == [["a", "good", "film", "."],
                                                          ["a", "bad", ",", "bad", "film", "."]]
    assert os.listdir(dest) == ["stanfordSentimentTreebank"]  # no zip, no __MACOSX, no temporaries
    assert served.requests == ["/stanfordSentimentTreebank.zip"]


def test_second_run_finds_the_verified_target_and_downloads_nothing(served, tmp_path):
    sst, said = serve_sst_zip(served), []
    fetch(sst, tmp_path)
    again = fetch(sst, tmp_path, say=said.append)
    assert again == Fetched(str(tmp_path / "stanfordSentimentTreebank"), False)
    assert served.requests == ["/stanfordSentimentTreebank.zip"]
    assert said == [f"sst: {again.path} is already there and verified; nothing downloaded"]


def test_single_file_archive_is_installed_with_its_unpacked_checksum(served, tmp_path):
    text8 = serve_text8_zip(served)
    assert fetch(text8, tmp_path).path == str(tmp_path / "text8")
    assert (tmp_path / "text8").read_bytes() == b"anarchism originated as a term of abuse"
    assert os.listdir(tmp_path) == ["text8"]


def test_unpacked_file_that_does_not_verify_is_not_installed(served, tmp_path):
    text8 = dataclasses.replace(serve_text8_zip(served), ready_checksums=(("sha1", "0" * 40),))
    mismatch = r"text8 does not verify \(sha1 checksum mismatch: expected 0{40}, got"
    with pytest.raises(DatasetError, match=mismatch):
        fetch(text8, tmp_path / "data")
    assert os.listdir(tmp_path / "data") == []


def test_checksum_mismatch_deletes_the_download_and_keeps_the_previous_file(served, tmp_path):
    pairs = serve_pairs(served)
    expected = sha(b"something else of the same size!")
    wrong = dataclasses.replace(pairs, checksums=(("sha256", expected),))
    (tmp_path / "wordsim353.tsv").write_text("previous content\n")
    with pytest.raises(DatasetError) as error:
        fetch(wrong, tmp_path, force=True)
    assert f"sha256 checksum mismatch: expected {expected}, got {pairs.checksums[0][1]}" in str(error.value)
    assert (tmp_path / "wordsim353.tsv").read_text() == "previous content\n"
    assert os.listdir(tmp_path) == ["wordsim353.tsv"]


def test_archive_checksum_mismatch_leaves_nothing_behind_and_the_old_folder_intact(served, tmp_path):
    sst = dataclasses.replace(serve_sst_zip(served), checksums=(("sha256", "a" * 64),))
    old = tmp_path / "stanfordSentimentTreebank"
    old.mkdir()
    (old / SST_SENTENCES_FILE).write_text("old sentences\n")
    with pytest.raises(DatasetError, match=f"expected {'a' * 64}, got"):
        fetch(sst, tmp_path, force=True)
    assert os.listdir(tmp_path) == ["stanfordSentimentTreebank"]
    assert os.listdir(old) == [SST_SENTENCES_FILE]
    assert (old / SST_SENTENCES_FILE).read_text() == "old sentences\n"


def test_wrong_size_is_refused_before_anything_is_kept(served, tmp_path):
    pairs = serve_pairs(served)
    bigger = dataclasses.replace(pairs, size=pairs.size + 1)
    with pytest.raises(DatasetError, match=f"offers {pairs.size} bytes, expected {pairs.size + 1}"):
        fetch(bigger, tmp_path)
    assert os.listdir(tmp_path) == []


def test_target_there_but_unverified_is_left_alone_without_force(served, tmp_path):
    pairs = serve_pairs(served)
    (tmp_path / "wordsim353.tsv").write_text("my own pairs\n")
    with pytest.raises(DatasetError, match="already there but is not the verified wordsim353.*--force"):
        fetch(pairs, tmp_path)
    assert (tmp_path / "wordsim353.tsv").read_text() == "my own pairs\n" and served.requests == []
    fetch(pairs, tmp_path, force=True)
    assert (tmp_path / "wordsim353.tsv").read_bytes() == (served.root / "wordsim353.tsv").read_bytes()


def test_kept_archive_is_reused_instead_of_downloaded_again(served, tmp_path):
    sst = serve_sst_zip(served)
    fetch(sst, tmp_path, keep_archive=True)
    assert sorted(os.listdir(tmp_path)) == ["stanfordSentimentTreebank", "stanfordSentimentTreebank.zip"]
    os.remove(tmp_path / "stanfordSentimentTreebank" / SST_SENTENCES_FILE)
    again = fetch(sst, tmp_path, force=True)
    assert again.downloaded is False and served.requests == ["/stanfordSentimentTreebank.zip"]
    assert (tmp_path / "stanfordSentimentTreebank" / SST_SENTENCES_FILE).read_text() == SENTENCES
    assert os.listdir(tmp_path) == ["stanfordSentimentTreebank"]


def test_mirror_variable_replaces_the_host_and_url_argument_wins(served, tmp_path, monkeypatch):
    sst = dataclasses.replace(serve_sst_zip(served, name="mirror/stanfordSentimentTreebank.zip"),
                              url=f"{UNREACHABLE}/~socherr/stanfordSentimentTreebank.zip")
    monkeypatch.setenv(MIRROR_ENV_VAR, f"{served.url}/mirror/")
    assert resolve_url(sst) == f"{served.url}/mirror/stanfordSentimentTreebank.zip"
    assert resolve_url(sst, "file:///tmp/sst.zip") == "file:///tmp/sst.zip"
    assert fetch(sst, tmp_path).downloaded
    assert served.requests == ["/mirror/stanfordSentimentTreebank.zip"]
    monkeypatch.delenv(MIRROR_ENV_VAR)
    assert resolve_url(sst) == sst.url


def test_unreachable_host_is_one_error_line_and_exit_1(tmp_path):
    url = f"{UNREACHABLE}/text8.zip"
    done = run_cli("download", "text8", str(tmp_path / "data"), "--url", url, "--timeout", "5")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith(f"fastw2v: error: cannot reach {url} (")
    assert "are you offline?" in done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert os.listdir(tmp_path / "data") == []


def test_http_error_names_the_status(served, tmp_path):
    missing = dataclasses.replace(serve_pairs(served), url=f"{served.url}/nothing-here.tsv")
    with pytest.raises(DatasetError, match="answered HTTP 404"):
        fetch(missing, tmp_path)
    assert os.listdir(tmp_path) == []


def test_unwritable_directory_is_an_output_error_before_any_download(served, tmp_path):
    sst = serve_sst_zip(served)
    (tmp_path / "a-file").write_text("not a folder\n")
    with pytest.raises(OutputError, match="cannot create the folder"):
        fetch(sst, tmp_path / "a-file" / "data")
    assert served.requests == []


def test_unknown_dataset_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_status:
        cli.main(["download", "imagenet", str(tmp_path)])
    assert exit_status.value.code == 2 and "invalid choice: 'imagenet'" in capsys.readouterr().err
    with pytest.raises(DatasetError, match="unknown dataset 'imagenet'"):
        download("imagenet", tmp_path)


def test_command_prints_the_path_then_says_it_is_already_there(served, tmp_path, monkeypatch, capsys):
    sst = serve_sst_zip(served)
    monkeypatch.setitem(DATASETS, "sst", sst)
    argv = ["download", "sst", str(tmp_path), "--url", sst.url]
    assert cli.main(argv) == 0
    assert capsys.readouterr().out == str(tmp_path / "stanfordSentimentTreebank") + "\n"
    assert cli.main(argv) == 0
    assert "is already there and verified; nothing downloaded" in capsys.readouterr().err
    assert len(served.requests) == 1


def test_command_reports_a_mismatch_in_one_line_and_exit_1(served, tmp_path, monkeypatch, capsys):
    sst = dataclasses.replace(serve_sst_zip(served), checksums=(("sha256", "b" * 64),))
    monkeypatch.setitem(DATASETS, "sst", sst)
    assert cli.main(["download", "sst", str(tmp_path), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"fastw2v: error: {sst.url}: sha256 checksum mismatch: expected {'b' * 64}, got ")
    assert err.count("\n") == 1 and os.listdir(tmp_path) == []


def test_builtin_table_gives_size_and_checksums_for_every_dataset():
    assert {"text8", "sst", "questions-words", "wordsim353"} <= set(DATASETS)
    for name, dataset in DATASETS.items():
        assert dataset.name == name and dataset.url.startswith(("http://", "https://"))
        assert isinstance(dataset.size, int) and dataset.size > 0 and dataset.checksums
        for algorithm, digest in dataset.checksums + dataset.ready_checksums:
            assert len(digest) == HEX_LENGTHS[algorithm] and digest == digest.lower()
            int(digest, 16)
    assert (DATASETS["text8"].size, DATASETS["text8"].ready_size) == (31344016, 100000000)
    assert DATASETS["sst"].size == 6372817
    assert DATASETS["sst"].ready_file == f"stanfordSentimentTreebank/{SST_SENTENCES_FILE}"


@pytest.mark.parametrize("name, copy", [("questions-words", "questions-words.txt"),
                                        ("wordsim353", "wordsim353.tsv")])
def test_test_set_entries_match_the_copies_gensim_ships(name, copy):
    spec = importlib.util.find_spec("gensim")
    if spec is None:
        pytest.skip("gensim is not installed")
    path = os.path.join(spec.submodule_search_locations[0], "test", "test_data", copy)
    if not os.path.isfile(path):
        pytest.skip(f"this gensim has no {copy}")
    data = open(path, "rb").read()
    dataset = DATASETS[name]
    assert len(data) == dataset.size
    got = tuple((algorithm, sha(data, algorithm)) for algorithm, _ in dataset.checksums)
    assert got == dataset.checksums
