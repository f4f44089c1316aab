"""Helpers shared by the tests: where things are, and writing a record file."""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import yaml
from click.testing import CliRunner

from archive.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "testimonies"
STANDARDS = ROOT / "tests" / "standards"  # the published schemas, carried in the project
BROKEN = Path(__file__).resolve().parent / "broken"
WORDS = ("border river embassy famine ration market children freedom father mother night "
         "soldier trade dollars letter radio drama 두만강을 건넜습니다 자유를 찾아").split()


def write_record(folder: Path, testimony_id: str, body: str = "A short account.\n",
                 **fields) -> Path:
    """Write a record file with sensible defaults for the required fields."""
    meta = {"title": f"Testimony {testimony_id}", "year": 2016, "post": "Clerk",
            "sector": "civilian", "motives": []}
    meta.update(fields)
    meta.setdefault("access", "public")  # a record that does not say gets the default
    path = folder / f"{testimony_id}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
    path.write_text(f"---\n{text}---\n\n{body}", encoding="utf-8")
    return path


def add_generated_records(folder, count: int, seed: int = 7) -> None:
    """Records with varied words, years and sectors, a few restricted or redacted."""
    rng = random.Random(seed)
    for number in range(count):
        body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 60)))
        if number % 7 == 3:
            body += " [a secret helper]{.restricted} crossed."
        fields = {"year": rng.randint(1990, 2020),
                  "sector": rng.choice(["civilian", "trade", "military", "diplomatic"])}
        if number % 11 == 5:
            fields["access"] = "restricted"
        write_record(folder, f"generated-{number:03d}", body=body + "\n", **fields)


def cli_in(folder, *args, env=None):
    """Run `archive` as a person would in a folder: no --testimonies, no --index."""
    runner = CliRunner(env={"ARCHIVE_TESTIMONIES": None, "ARCHIVE_INDEX": None, **(env or {})})
    before = os.getcwd()
    os.chdir(folder)
    try:
        return runner.invoke(cli, list(args))
    finally:
        os.chdir(before)


@contextmanager
def served(testimonies: Path, index: Path, *options: str):
    """`archive serve` on a free loopback port, yielding its base URL until the block ends.

    Its stderr goes to a file, never an unread pipe: a server whose pipe fills up (waitress
    logs a line whenever its queue grows) blocks in the middle of a load test.
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = Path(index).parent / f"serve-{port}.log"
    with open(log, "w", encoding="utf-8") as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "archive", "--testimonies", str(testimonies), "--index",
             str(index), "serve", "--port", str(port), *options],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=errors)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"archive serve did not start: {log.read_text()}")
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@lru_cache(maxsize=1)
def oai_schema():
    """OAI-PMH 2.0's schema with `oai_dc` and `oai-identifier` loaded beside it (as
    tests/standards/oai-pmh/README.md says), so that the metadata inside an answer is
    checked strictly too. xmlschema carries xml.xsd itself: nothing is fetched."""
    import xmlschema

    folder = STANDARDS / "oai-pmh"
    schema = xmlschema.XMLSchema(str(folder / "OAI-PMH.xsd"), build=False)
    schema.import_schema("http://www.openarchives.org/OAI/2.0/oai_dc/",
                         str(folder / "oai_dc.xsd"))
    schema.import_schema("http://www.openarchives.org/OAI/2.0/oai-identifier",
                         str(folder / "oai-identifier.xsd"))
    schema.build()
    return schema


def valid_oai(data: bytes) -> bytes:
    """An answer of /oai, checked against the published schemas (raises when invalid)."""
    oai_schema().validate(data)
    return data


def values_of(record, name: str, vocabulary) -> list:
    """A record's values of a facet, counted from its fields as a reader would (not through
    the archive's own code): what facets and comparisons must agree with."""
    if name == "motive":  # a motive counts for itself and every broader one above it
        return list({above for motive in record.motives
                     for above in (motive, *vocabulary.ancestors(motive))})
    if name == "left_with":
        return list(record.left_with)
    if name == "generation":
        return [f"{record.born // 10 * 10}s" if record.born else None]
    if name == "age":
        age = record.year - record.born if record.born else None
        return [None if age is None else "0-19" if age < 20 else "60+" if age >= 60
                else f"{age // 10 * 10}-{age // 10 * 10 + 9}"]
    return [getattr(record, name)]
