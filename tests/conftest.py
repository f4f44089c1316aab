"""Fixtures: archives built under tmp_path, the web app, and the CLI runner."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest
from click.testing import CliRunner

from archive import create_app
from archive.cli import cli
from archive.search.indexing import update_index
from archive.service import Paths

from .helpers import SAMPLE, served

# The tests sign their indexes with a key of their own, never the person's (see integrity.py).
os.environ.setdefault("ARCHIVE_KEY_FILE", os.path.join(tempfile.mkdtemp(), "index.key"))

@pytest.fixture
def empty_archive(tmp_path) -> Paths:
    """An archive folder with the shipped vocabulary and no records."""
    testimonies = tmp_path / "empty" / "testimonies"
    testimonies.mkdir(parents=True)
    shutil.copy(SAMPLE / "vocabulary.yaml", testimonies / "vocabulary.yaml")
    return Paths(testimonies, tmp_path / "empty" / "index")


@pytest.fixture
def sample_copy(tmp_path) -> Paths:
    """A private copy of the shipped sample archive, not yet indexed."""
    shutil.copytree(SAMPLE, tmp_path / "testimonies")
    return Paths(tmp_path / "testimonies", tmp_path / "index")


@pytest.fixture(scope="session")
def sample(tmp_path_factory) -> Paths:
    """The shipped sample archive, copied and indexed once for read-only tests."""
    base = tmp_path_factory.mktemp("sample")
    shutil.copytree(SAMPLE, base / "testimonies")
    paths = Paths(base / "testimonies", base / "index")
    update_index(paths.testimonies, paths.index)
    return paths


@pytest.fixture
def app(sample):
    """The public web app over the indexed sample archive."""
    return create_app({"TESTING": True, "TESTIMONIES": str(sample.testimonies),
                       "INDEX": str(sample.index)})


@pytest.fixture
def client(app):
    """A test client of the public web app."""
    return app.test_client()


@pytest.fixture
def private_client(sample):
    """A test client of the app in private (archivist's) mode."""
    app = create_app({"TESTING": True, "TESTIMONIES": str(sample.testimonies),
                      "INDEX": str(sample.index), "PRIVATE": True})
    return app.test_client()


@pytest.fixture
def run():
    """Run the `archive` CLI on an archive: run(paths, *args) -> click Result."""
    runner = CliRunner()

    def invoke(paths: Paths, *args: str, **kwargs):
        return runner.invoke(cli, ["--testimonies", str(paths.testimonies),
                                   "--index", str(paths.index), *args], **kwargs)

    return invoke


@pytest.fixture(scope="module")
def sample_server(tmp_path_factory):
    """`archive serve` (waitress) on a free loopback port, over a copy of the sample."""
    base = tmp_path_factory.mktemp("served")
    shutil.copytree(SAMPLE, base / "testimonies")
    with served(base / "testimonies", base / "index") as url:
        yield url
