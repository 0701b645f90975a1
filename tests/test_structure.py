"""The shape of the package: no import cycle, a cheap ``import fastw2v``, one source of truth for
the settings' defaults and the losses' capabilities."""

import ast
import dataclasses
import inspect
import json
import os
import subprocess
import sys

import pytest

import fastw2v
from fastw2v import kernels, objectives
from fastw2v.config import LOSSES, NEGATIVE_LOSSES, TrainConfig

PACKAGE_DIR = os.path.dirname(os.path.abspath(fastw2v.__file__))


def module_names(package_dir=PACKAGE_DIR, package="fastw2v"):
    """{dotted module name: path} of every .py file under package_dir."""
    names = {}
    for folder, _, files in os.walk(package_dir):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                parts = os.path.relpath(path, package_dir)[:-3].split(os.sep)
                if parts[-1] == "__init__":
                    parts = parts[:-1]
                names[".".join([package, *parts])] = path
    return names


def import_graph(modules):
    """{module: set of package modules it imports}, from every import statement of its source,
    those inside functions included (a lazy import is still an edge)."""
    graph = {}
    for name, path in modules.items():
        is_package = path.endswith("__init__.py")
        edges = set()
        with open(path, encoding="utf-8") as handle:
            tree = ast.parse(handle.read(), filename=path)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = name.split(".") if is_package else name.split(".")[:-1]
                    anchor = anchor[:len(anchor) - node.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                # `from package import submodule` imports the submodule, else the module itself.
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                           for alias in node.names]
            else:
                continue
            edges.update(target for target in targets if target in modules and target != name)
        graph[name] = edges
    return graph


def find_cycle(graph):
    """One import cycle as a list of modules (first == last), or None."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_cycle_finder_finds_a_planted_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_the_import_graph_sees_lazy_and_relative_imports(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from pkg.sub import b\n")
    (package / "sub" / "__init__.py").write_text("from . import b\n")
    (package / "sub" / "b.py").write_text("from ..a import f\n")
    graph = import_graph(module_names(str(package), "pkg"))
    assert graph["pkg.a"] == {"pkg.sub.b"} and graph["pkg.sub.b"] == {"pkg.a"}
    assert graph["pkg.sub"] == {"pkg.sub.b"}
    assert find_cycle(graph) == ["pkg.a", "pkg.sub.b", "pkg.a"]


def test_no_module_of_the_package_takes_part_in_an_import_cycle():
    graph = import_graph(module_names())
    assert len(graph) > 30 and graph["fastw2v.plan"]  # the graph really is the package's
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph))


def test_importing_the_package_loads_no_kernel_and_no_numba():
    code = ("import sys, fastw2v; print(sorted(m for m in sys.modules if m.startswith('fastw2v') "
            "or m in ('numba', 'numpy', 'matplotlib')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "['fastw2v']"


def numba_njit_imports(modules):
    """The modules (not fastw2v.jit) that take `njit` (or all of Numba) from Numba itself."""
    found = set()
    for name, path in modules.items():
        with open(path, encoding="utf-8") as handle:
            tree = ast.parse(handle.read(), filename=path)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "numba" and not node.level:
                found.update(name for alias in node.names if alias.name in ("njit", "jit", "*"))
            elif isinstance(node, ast.Import) and any(alias.name == "numba" for alias in node.names):
                found.add(name)
    return found - {"fastw2v.jit"}


def test_the_njit_finder_sees_numbas_own(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from numba import njit\n")
    (package / "b.py").write_text("import numba\n")
    (package / "c.py").write_text("from numba import types\nfrom fastw2v.jit import njit\n")
    assert numba_njit_imports(module_names(str(package), "pkg")) == {"pkg.a", "pkg.b"}


def test_every_module_that_compiles_takes_njit_from_fastw2v_jit():
    """Else the first kernel it loaded would import SciPy through Numba (`fastw2v.jit`)."""
    assert numba_njit_imports(module_names()) == set()


SCIPY_PROBE = r"""
import importlib.util, json, sys, os
from fastw2v.train import Word2Vec
folder = sys.argv[1]
path = os.path.join(folder, "corpus.txt")
with open(path, "w") as handle:
    handle.write("the cat sat on the mat\n" * 200)
model = Word2Vec(corpus_file=path, vector_size=8, epochs=1, min_count=1, workers=1)
model.wv.save_word2vec_format(os.path.join(folder, "vectors.txt"))
trained = "scipy.linalg" in sys.modules
from numba import njit
from numba.np import arraymath
import numpy as np

@njit
def products(a, b):
    return np.dot(a, b), np.vdot(a[0], b[:, 0])

a = np.arange(6.0).reshape(2, 3)
dot, vdot = products(a, a.T)
print(json.dumps({"scipy_linalg_after_training": trained, "have_blas": arraymath._HAVE_BLAS,
                  "scipy_installed": importlib.util.find_spec("scipy") is not None,
                  "dot": dot.tolist(), "vdot": float(vdot),
                  "scipy_linalg_at_end": "scipy.linalg" in sys.modules}))
"""


def test_training_and_saving_import_no_scipy_and_numbas_blas_still_works(tmp_path):
    """Numba's CPU target is loaded without SciPy's linear algebra (~0.15 s of a warm start); Numba
    code that calls BLAS still gets it, SciPy imported when that code is compiled."""
    pytest.importorskip("scipy")
    done = subprocess.run([sys.executable, "-c", SCIPY_PROBE, str(tmp_path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.splitlines()[-1])
    assert found["scipy_installed"] and found["have_blas"]
    assert not found["scipy_linalg_after_training"]
    assert found["dot"] == [[5.0, 14.0], [14.0, 50.0]] and found["vdot"] == 5.0
    assert found["scipy_linalg_at_end"]  # np.dot compiled through SciPy's BLAS


def test_a_numba_without_the_probed_module_still_compiles():
    """Where Numba's `numba.np.arraymath` cannot be imported with the probe held back,
    `fastw2v.jit` leaves the probe as it found it and Numba to load its target itself."""
    code = ("import sys\n"
            "class Refuse:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name == 'numba.np.arraymath' and 'scipy.linalg.cython_blas' in sys.modules:\n"
            "            raise ImportError('refused while the probe is held')\n"
            "sys.meta_path.insert(0, Refuse())\n"
            "from fastw2v.jit import njit\n"
            "print('scipy.linalg.cython_blas' in sys.modules, 'numba.np.arraymath' in sys.modules)\n"
            "sys.meta_path.pop(0)\n"
            "print(njit(lambda x: x + 1)(1))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["False", "False", "2"]


def test_the_public_names_are_the_classes_users_get():
    from fastw2v import KeyedVectors, TrainConfig, Word2Vec
    from fastw2v.config import TrainConfig as config_class
    from fastw2v.train import Word2Vec as model_class
    from fastw2v.vectors import KeyedVectors as vectors_class

    assert (Word2Vec, KeyedVectors, TrainConfig) == (model_class, vectors_class, config_class)
    assert set(fastw2v.__all__) <= set(dir(fastw2v))
    with pytest.raises(AttributeError):
        fastw2v.NoSuchName  # noqa: B018


def test_word2vec_takes_every_setting_and_gensims_keywords_with_gensims_defaults():
    from fastw2v import Word2Vec

    parameters = inspect.signature(Word2Vec).parameters
    assert {field.name for field in dataclasses.fields(TrainConfig)} <= set(parameters)
    gensim_models = pytest.importorskip("gensim.models")
    # docs/gensim.md says why these two differ: every core trains, and jobs are sized to the corpus.
    ours_differ = {"workers": None, "batch_words": None}
    for name, theirs in inspect.signature(gensim_models.Word2Vec).parameters.items():
        assert name in parameters, name
        assert parameters[name].default == ours_differ.get(name, theirs.default), name


def test_the_settings_lists_and_kernels_come_from_the_loss_table():
    assert LOSSES == tuple(objectives.OBJECTIVES)
    assert NEGATIVE_LOSSES == tuple(n for n, o in objectives.OBJECTIVES.items() if o.draws_negatives)
    for name, objective in objectives.OBJECTIVES.items():
        for key in objective.kernel_keys:
            config = TrainConfig(loss=name, negative=5, sg=int(key in objectives.SKIP_GRAM_MODES),
                                 mode=key if key in objectives.SKIP_GRAM_MODES else "default",
                                 cbow_mean=int(key != "cbow-sum"))
            assert config.kernel_key == key
            assert kernels.span_kernel(config) is kernels.SPAN_KERNELS[objective.output][key]


def test_the_learning_rate_python_sees_is_the_kernels():
    # The kernels inline kernels.learning_rate; the progress bar and a cluster's rounds call it.
    assert kernels.learning_rate(0.025, 0.0001, 0.0, 100.0) == 0.025
    assert kernels.learning_rate(0.025, 0.0001, 50.0, 100.0) == pytest.approx(0.01255)
    assert kernels.learning_rate(0.025, 0.0001, 200.0, 100.0) == 0.0001


def test_the_command_lines_copies_of_library_defaults_are_the_librarys():
    # The CLI keeps these itself so that `--help` imports neither numpy nor numba.
    from fastw2v import evaluate
    from fastw2v.cli import evaluate as cli_evaluate
    from fastw2v.cli import train as cli_train
    from fastw2v.cluster import connect

    assert cli_evaluate.RESTRICT_VOCAB == evaluate.RESTRICT_VOCAB
    assert cli_train.COMBINE_RULES == connect.COMBINE_RULES
    assert cli_train.DEFAULT_CONNECT_SECONDS == connect.DEFAULT_CONNECT_SECONDS
    assert cli_train.REPLICA_ROUND_WORDS == connect.REPLICA_ROUND_WORDS


@pytest.mark.parametrize("command", ["train", "phrases"])
def test_help_imports_no_numerical_library(command):
    code = ("import sys, contextlib, io\nfrom fastw2v.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    try:\n        main(['{command}', '--help'])\n    except SystemExit:\n        pass\n"
            "print(sorted(m for m in ('numpy', 'numba', 'matplotlib') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
