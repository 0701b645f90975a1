"""Shared fixtures and the guard that makes a run with no passing test fail."""

import os

# The CUDA tests run on numba's CUDA simulator unless FASTW2V_TEST_GPU=1 asks for the machine's
# GPU; the simulator is chosen when Numba is first imported, so before any test module imports it.
if os.environ.get("FASTW2V_TEST_GPU") != "1":
    os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")

import pytest

SST_DIR = os.environ.get(
    "FASTW2V_SST_DIR",
    os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "stanfordSentimentTreebank"))


@pytest.fixture
def sst_dir():
    """The shared Stanford Sentiment Treebank folder; skips the test when it is absent."""
    if not os.path.isfile(os.path.join(SST_DIR, "datasetSentences.txt")):
        pytest.skip(f"SST data not found at {SST_DIR} (set FASTW2V_SST_DIR)")
    return SST_DIR


def pytest_sessionfinish(session, exitstatus):
    """A session where every test was skipped or deselected did not test anything: fail it."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and exitstatus == 0 and not reporter.stats.get("passed"):
        session.exitstatus = pytest.ExitCode.NO_TESTS_COLLECTED
