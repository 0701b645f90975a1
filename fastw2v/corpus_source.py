"""What a corpus argument was read from, so that the corpus `build_vocab` just encoded is not
read again by `train` (`source_of`)."""

import os

from fastw2v.errors import DatasetError
from fastw2v.local import source_paths
from fastw2v.reader import STDIN, input_files


def source_of(corpus_iterable, corpus_file):
    """What a corpus was read from, comparable with ==: files with their sizes and times (standard
    input stands for itself: it cannot be read twice), a single-pass iterator by identity; None
    for a re-iterable sequence, which may change between calls."""
    if corpus_file is not None:
        try:
            files = input_files(source_paths(corpus_file))
        except (OSError, DatasetError):
            return None
        return tuple(path if path == STDIN else _file_stamp(path) for path in files)
    if corpus_iterable is not None and iter(corpus_iterable) is corpus_iterable:
        return _Identity(corpus_iterable)
    return None


def _file_stamp(path):
    status = os.stat(path)
    return os.path.abspath(path), status.st_size, status.st_mtime_ns


class _Identity:
    """Equal to another only when both hold the very same object."""

    def __init__(self, value):
        self.value = value

    def __eq__(self, other):
        return isinstance(other, _Identity) and other.value is self.value

    __hash__ = None
