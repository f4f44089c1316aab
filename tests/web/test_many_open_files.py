"""The server keeps answering when it holds more than a thousand files open, as an
accounts server does at 100,000 records (the public view's segment files held once for
the public and again under a researcher's view): waitress's default `select` cannot
watch a connection whose file number passes 1,023, and the connection was reset."""

from __future__ import annotations

import resource
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

SERVER = """
import os, resource, sys
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 2048), hard))
held = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]  # as a big index's segments
from archive import create_app
from archive.service import run_server
run_server(create_app({"TESTIMONIES": sys.argv[1], "INDEX": sys.argv[2]}), "127.0.0.1",
           int(sys.argv[3]))
"""


def test_a_server_holding_over_a_thousand_files_still_answers(sample, tmp_path):
    if resource.getrlimit(resource.RLIMIT_NOFILE)[1] < 2048:
        pytest.skip("this machine lets a process open fewer than 2,048 files")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = tmp_path / "server.log"
    with open(log, "w", encoding="utf-8") as errors:
        process = subprocess.Popen([sys.executable, "-c", SERVER, str(sample.testimonies),
                                    str(sample.index), str(port)], stderr=errors)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/search?q=river",
                                            timeout=30) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        for _ in range(3):  # and again: each connection gets a file number above 1,023
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as response:
                assert response.status == 200
    finally:
        process.terminate()
        process.wait(timeout=10)
