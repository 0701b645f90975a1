"""The README's Python quickstart is gensim code: it runs as it is with fastw2v, and with gensim
when its one fastw2v import is swapped for the commented gensim one."""

import os
import re

import numpy as np
import pytest

from fastw2v.weights import initial_vectors

README = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")
FASTW2V_IMPORT = "from fastw2v import Word2Vec, KeyedVectors"
GENSIM_IMPORT = "# from gensim.models import Word2Vec, KeyedVectors"


def quickstart():
    with open(README, encoding="utf-8") as handle:
        text = handle.read()
    section = text[text.index("\n## Python\n"):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def run(code, directory):
    namespace = {}
    cwd = os.getcwd()
    os.chdir(directory)
    try:
        exec(compile(code, "README.md", "exec"), namespace)  # the README's own code
    finally:
        os.chdir(cwd)
    return namespace


def test_the_quickstart_runs_with_fastw2v_and_trains_the_new_word(tmp_path):
    code = quickstart()
    assert FASTW2V_IMPORT in code and GENSIM_IMPORT in code
    namespace = run(code, tmp_path)
    kv, model = namespace["kv"], namespace["model"]
    assert kv.index_to_key[-1] == "prince" and len(kv) == 6
    untrained = initial_vectors(len(kv), model.vector_size, model.seed)[-1]
    assert not np.allclose(kv["prince"], untrained)  # its new row was trained, and saved


def test_the_quickstart_is_gensim_code_with_one_import_changed(tmp_path):
    pytest.importorskip("gensim")
    code = quickstart().replace(FASTW2V_IMPORT, "").replace(GENSIM_IMPORT, GENSIM_IMPORT[2:])
    namespace = run(code, tmp_path)
    assert type(namespace["kv"]).__module__.startswith("gensim")
    assert "prince" in namespace["kv"]
