"""Shared fixtures and the guard that makes a run with no passing test fail."""

import os

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
