"""Fetching the public corpora and test sets: streamed download, size and checksum check, atomic install.

Every dataset in `DATASETS` names its public URL with the byte size and checksums published for it
(the source of each is in the comments and in data/README.md). A download is streamed into a
temporary file in the destination folder, hashed on the way, and renamed into place only when size
and every checksum match; archives are then unpacked into a temporary folder beside the target and
renamed into place. A crash or a mismatch leaves no partial file, and whatever was there before
stays untouched. The URL can point to a mirror: ``url=`` (the CLI's ``--url``), else
``$FASTW2V_DOWNLOAD_MIRROR`` (a base URL holding the files under their original names).
"""

import contextlib
import hashlib
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from typing import NamedTuple, Optional, Tuple

from fastw2v.atomic import atomic_write
from fastw2v.errors import DatasetError, OutputError

MIRROR_ENV_VAR = "FASTW2V_DOWNLOAD_MIRROR"
DEFAULT_TIMEOUT = 30.0  # seconds without an answer, per connection and per read
CHUNK_BYTES = 1 << 20
HEX_LENGTHS = {"md5": 32, "sha1": 40, "sha256": 64}


@dataclass(frozen=True)
class Dataset:
    """A public file, how to check it, and what it leaves in the destination folder.

    Attributes:
        name: the CLI's name for it.
        url: where it is published.
        size: bytes of the file at `url`.
        checksums: ((algorithm, hex digest), ...) of the file at `url`; all are checked.
        ready_file: path relative to the destination that exists once installed. For an archive
            its first component is the archive's top-level entry that is kept (the rest, such as
            ``__MACOSX``, is dropped); for a plain file it is the file's name.
        ready_size, ready_checksums: what `ready_file` must hold, when known (plain files: the
            download's own); a target already there is checked against them before being trusted.
        archive: True for a zip to unpack, False for a file used as downloaded.
        description: one line for help texts.
    """

    name: str
    url: str
    size: int
    checksums: Tuple[Tuple[str, str], ...]
    ready_file: str
    ready_size: Optional[int] = None
    ready_checksums: Tuple[Tuple[str, str], ...] = ()
    archive: bool = True
    description: str = ""

    @property
    def target(self):
        """The entry of the destination folder this dataset installs (a file or a folder)."""
        return self.ready_file.split("/")[0]

    @property
    def filename(self):
        """The downloaded file's name, as at the end of its URL."""
        return self.url.rstrip("/").rsplit("/", 1)[-1]


def _plain_file(name, url, size, checksums, description):
    return Dataset(name, url, size, checksums, ready_file=url.rsplit("/", 1)[-1], ready_size=size,
                   ready_checksums=checksums, archive=False, description=description)


DATASETS = {dataset.name: dataset for dataset in (
    # Size: the 31,344,016 bytes TensorFlow's word2vec_basic.py checks (maybe_download('text8.zip',
    # 31344016)). SHA-1 of the zip and of the unpacked text8: dmlc/gluon-nlp,
    # gluonnlp/data/corpora/text8.py (archive_file and data_file, downloaded from this very URL).
    # No SHA-256 of this zip is published that we could find.
    Dataset("text8", "http://mattmahoney.net/dc/text8.zip", 31344016,
            (("sha1", "6c70299b93b7e1f927b42cd8f6ac1a31547c7a2e"),),
            ready_file="text8", ready_size=100000000,
            ready_checksums=(("sha1", "0dc3edebc970dcc96137e7deda4d9995af9d93de"),),
            description="the first 10^8 bytes of cleaned English Wikipedia (Mahoney), 17M words"),
    # Size and SHA-256: huggingface/datasets, datasets/sst/dataset_infos.json (download_checksums);
    # the same SHA-256 in JuliaText/CorpusLoaders.jl's DataDep for the http:// URL.
    Dataset("sst", "https://nlp.stanford.edu/~socherr/stanfordSentimentTreebank.zip", 6372817,
            (("sha256", "3f5209483b46bbf129cacbbbe6ae02fe780407034f61cf6342b7833257c3f1db"),),
            ready_file="stanfordSentimentTreebank/datasetSentences.txt",
            description="Stanford Sentiment Treebank, the CS224N assignment's corpus"),
    # SHA-1: dmlc/gluon-nlp, gluonnlp/data/word_embedding_evaluation.py (GoogleAnalogyTestSet, this
    # URL). Size and SHA-256: the RECORD of the gensim 4.4.0 wheel, whose copy
    # (gensim/test/test_data/questions-words.txt) has that same SHA-1.
    _plain_file("questions-words", "http://download.tensorflow.org/data/questions-words.txt", 603955,
                (("sha256", "8c29b3332afc46f3fb8be04cb5297bf96f39aa7131272dff57869b4485b22a36"),
                 ("sha1", "fa92df4bbe788f2d51827c762c63bd8e470edf31")),
                "Google's 19,544 analogy questions (Mikolov et al. 2013), questions-words format"),
    # WordSim-353 (Finkelstein et al. 2002) as one 'word1<TAB>word2<TAB>score' file: gensim's copy
    # at a fixed commit. Size and SHA-256: the RECORD of the gensim 4.4.0 wheel.
    _plain_file("wordsim353",
                "https://raw.githubusercontent.com/piskvorky/gensim/66365f6a2688e32ada86d5f005d550d4b4f8a137"
                "/gensim/test/test_data/wordsim353.tsv", 7186,
                (("sha256", "f92a022fc2537793a15bc3a8c162ebcd74990e033a228bb6388cb71e4c0b1e1d"),),
                "WordSim-353: 353 word pairs with mean human similarity scores"),
)}


class Fetched(NamedTuple):
    """What `download` did: the installed path, and whether anything was transferred."""

    path: str
    downloaded: bool


def resolve_url(dataset, url=None):
    """The URL to fetch `dataset` from: `url`, else $FASTW2V_DOWNLOAD_MIRROR/<file name>, else its own."""
    if url:
        return url
    mirror = os.environ.get(MIRROR_ENV_VAR)
    if mirror:
        return mirror.rstrip("/") + "/" + dataset.filename
    return dataset.url


def download(name, directory, url=None, force=False, keep_archive=False, timeout=DEFAULT_TIMEOUT,
             progress=None, say=None, datasets=None):
    """Install dataset `name` into `directory` unless it is already there and verified.

    Args:
        name: a key of `datasets` (default `DATASETS`).
        directory: destination folder, created when missing.
        url: fetch from here instead (a mirror); the size and checksums still apply.
        force: replace a target already there even when it verifies, or when it does not.
        keep_archive: leave the verified zip in `directory` (later runs reuse it).
        timeout: seconds to wait for the server, per connection and per read.
        progress: show a progress bar on stderr; None shows it only on a terminal.
        say: callable taking one status line (default: silent).
    Returns:
        Fetched(path of the installed file or folder, downloaded: bool).
    Raises:
        DatasetError: unknown name, host unreachable, HTTP error, size or checksum mismatch, a bad
            archive, or a target already there that does not verify (without `force`).
        OutputError: `directory` cannot be created or written.
    """
    datasets = DATASETS if datasets is None else datasets
    if name not in datasets:
        raise DatasetError(f"unknown dataset {name!r}; choose from {', '.join(sorted(datasets))}")
    dataset, say = datasets[name], say or (lambda line: None)
    directory = _make_directory(directory)
    target = os.path.join(directory, dataset.target)
    if not force and _installed(dataset, directory):
        say(f"{dataset.name}: {target} is already there and verified; nothing downloaded")
        return Fetched(target, False)
    source = resolve_url(dataset, url)
    if not dataset.archive:
        _fetch_verified(source, dataset, target, timeout, progress, say)
        return Fetched(target, True)
    downloaded = _install_archive(dataset, directory, source, keep_archive, timeout, progress, say)
    return Fetched(target, downloaded)


def _install_archive(dataset, directory, source, keep_archive, timeout, progress, say):
    """Fetch the zip (unless a verified copy is in `directory`), unpack it; True if it was fetched."""
    archive = os.path.join(directory, dataset.filename)
    downloaded = _file_problem(archive, dataset.size, dataset.checksums) is not None
    if downloaded:
        _fetch_verified(source, dataset, archive, timeout, progress, say)
    else:
        say(f"{dataset.name}: using the verified {archive} already there")
    try:
        _unpack(dataset, archive, directory)
    finally:
        if not keep_archive:
            _remove_quietly(archive)
    return downloaded


def _make_directory(directory):
    directory = os.fspath(directory)
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{directory}: cannot create the folder ({exc.strerror or exc})") from exc
    return directory


def _installed(dataset, directory):
    """True when the dataset's ready file is there and matches; DatasetError when its target is
    there but is not the verified dataset (so nothing the user made is overwritten silently)."""
    target = os.path.join(directory, dataset.target)
    if not os.path.lexists(target):
        return False
    ready = os.path.join(directory, *dataset.ready_file.split("/"))
    problem = _file_problem(ready, dataset.ready_size, dataset.ready_checksums)
    if problem:
        raise DatasetError(f"{target} is already there but is not the verified {dataset.name} "
                           f"({ready}: {problem}); remove it, or pass --force to replace it")
    return True


def _file_problem(path, size, checksums):
    """None when `path` is a file of `size` bytes (when given) with `checksums`; else what is wrong."""
    if not os.path.isfile(path):
        return "missing"
    got_size = os.path.getsize(path)
    if size is not None and got_size != size:
        return f"{got_size} bytes, expected {size}"
    if checksums:
        digests = _digests(checksums)
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
                for digest in digests.values():
                    digest.update(chunk)
        return _checksum_problem(checksums, digests)
    return None


def _digests(checksums):
    return {algorithm: hashlib.new(algorithm) for algorithm, _ in checksums}


def _checksum_problem(checksums, digests):
    for algorithm, expected in checksums:
        got = digests[algorithm].hexdigest()
        if got != expected.lower():
            return f"{algorithm} checksum mismatch: expected {expected}, got {got}"
    return None


def _fetch_verified(url, dataset, path, timeout, progress, say):
    """Stream `url` into `path` through a temporary file; rename it into place only if it verifies."""
    with atomic_write(path) as handle:
        with _open_url(url, timeout) as response:
            _check_announced_size(url, response, dataset.size)
            say(f"{dataset.name}: downloading {url} ({_megabytes(dataset.size)}) into "
                f"{os.path.dirname(path)}")
            digests = _digests(dataset.checksums)
            got_size = _stream(url, response, handle, digests, dataset, progress)
        problem = (f"got {got_size} bytes, expected {dataset.size}" if got_size != dataset.size
                   else _checksum_problem(dataset.checksums, digests))
        if problem:
            raise DatasetError(f"{url}: {problem}; the download was deleted (a changed or corrupt "
                               "file, or a wrong mirror)")


def _megabytes(size):
    return f"{size / 1e6:.1f} MB" if size >= 100000 else f"{size:,} bytes"


def _open_url(url, timeout):
    """The response to GET `url`; DatasetError when the host cannot be reached or answers an error."""
    import http.client
    import urllib.error
    import urllib.request

    try:
        request = urllib.request.Request(url, headers={"User-Agent": "fastw2v-download"})
        return urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        raise DatasetError(f"cannot download {url}: the server answered HTTP {exc.code} {exc.reason}; "
                           f"try a mirror with --url or ${MIRROR_ENV_VAR}") from None
    except ValueError as exc:
        raise DatasetError(f"{url}: not a URL fastw2v can fetch ({exc})") from None
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        if url.lower().startswith("file:"):
            raise DatasetError(f"cannot read {url} ({reason})") from None
        raise DatasetError(f"cannot reach {url} ({reason}): are you offline? Check the connection, "
                           f"use a mirror with --url or ${MIRROR_ENV_VAR}, or copy the file there "
                           "yourself") from None


def _check_announced_size(url, response, size):
    announced = response.headers.get("Content-Length")
    if announced and announced.isdigit() and int(announced) != size:
        raise DatasetError(f"{url}: the server offers {int(announced)} bytes, expected {size}; "
                           "nothing was kept (a changed file or a wrong mirror)")


def _stream(url, response, handle, digests, dataset, progress):
    """Copy the response into `handle`, hashing on the way; stops one chunk past the expected size.

    Returns the number of bytes read. Network failures mid-way become DatasetError (not OSError,
    which atomic_write would report as a failed write).
    """
    import http.client

    bar = _progress_bar(dataset, progress)
    got = 0
    try:
        while got <= dataset.size:
            try:
                chunk = response.read(CHUNK_BYTES)
            except (OSError, http.client.HTTPException) as exc:
                raise DatasetError(f"download of {url} interrupted after {got} bytes ({exc}); "
                                   "nothing was kept, run the command again") from None
            if not chunk:
                break
            handle.write(chunk)
            for digest in digests.values():
                digest.update(chunk)
            got += len(chunk)
            bar.update(len(chunk))
    finally:
        bar.close()
    return got


def _progress_bar(dataset, progress):
    from tqdm import tqdm

    return tqdm(total=dataset.size, unit="B", unit_scale=True, unit_divisor=1024, desc=dataset.name,
                file=sys.stderr, leave=False, disable=None if progress is None else not progress)


def _unpack(dataset, archive, directory):
    """Extract the archive's `dataset.target` entry into a temporary folder, check it, rename it in."""
    import zipfile

    staging = _staging_folder(directory)
    try:
        try:
            with zipfile.ZipFile(archive) as bundle:
                members = [m for m in bundle.namelist()
                           if m == dataset.target or m.startswith(dataset.target + "/")]
                if not members:
                    raise DatasetError(f"{archive}: no {dataset.target!r} inside the archive")
                bundle.extractall(staging, members)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
            raise DatasetError(f"{archive}: not a readable zip archive ({exc})") from None
        except OSError as exc:
            raise OutputError(f"{directory}: cannot unpack {archive} there ({exc.strerror or exc})") from exc
        ready = os.path.join(staging, *dataset.ready_file.split("/"))
        problem = _file_problem(ready, dataset.ready_size, dataset.ready_checksums)
        if problem:
            raise DatasetError(f"{archive}: its {dataset.ready_file} does not verify ({problem}); "
                               "nothing was installed")
        _replace(os.path.join(staging, dataset.target), os.path.join(directory, dataset.target))
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _staging_folder(directory):
    try:
        return tempfile.mkdtemp(prefix=".tmp-", dir=directory)
    except OSError as exc:
        raise OutputError(f"{directory}: cannot write there ({exc.strerror or exc})") from exc


def _replace(new, final):
    """Rename `new` to `final`; an existing `final` (file or folder) is moved aside first and
    deleted only once `new` is in place, or put back when the rename fails."""
    aside = None
    try:
        if os.path.lexists(final):
            aside = tempfile.mkdtemp(prefix=".tmp-old-", dir=os.path.dirname(final))
            os.replace(final, os.path.join(aside, "old"))
        os.replace(new, final)
    except OSError as exc:
        if aside and os.path.lexists(os.path.join(aside, "old")) and not os.path.lexists(final):
            os.replace(os.path.join(aside, "old"), final)
        raise OutputError(f"{final}: cannot move the unpacked data into place ({exc.strerror or exc}); "
                          "previous content left untouched") from exc
    finally:
        if aside:
            shutil.rmtree(aside, ignore_errors=True)


def _remove_quietly(path):
    with contextlib.suppress(OSError):
        os.unlink(path)
