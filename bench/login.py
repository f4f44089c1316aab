"""How long a login takes in accounts mode, argon2id included (the issue's goal: within
0.5 s): the time of `POST /login` for a researcher (a password) and the two requests of an
archivist's (a password, then a TOTP code), through the Flask app over the sample archive,
with the archive's own argon2 parameters (argon2-cffi's defaults, RFC 9106's second
recommendation: 64 MiB, 3 passes, 4 lanes).

    .venv/bin/python bench/login.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyotp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive import create_app  # noqa: E402
from archive.access import accounts, factors  # noqa: E402
from archive.search.indexing import update_index  # noqa: E402

PASSWORD = "river lantern orchard 42"


def token(client, path: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        shutil.copytree(ROOT / "testimonies", base / "testimonies")
        update_index(base / "testimonies", base / "index")
        shift = [dt.timedelta(0)]  # each login a TOTP step later, so no code is a replay

        def clock():
            return dt.datetime.now(dt.timezone.utc) + shift[0]

        app = create_app({"TESTIMONIES": str(base / "testimonies"), "INDEX": str(base / "index"),
                          "ACCOUNTS": True, "NOW": clock})
        store = app.extensions["access_store"]
        for name, role in (("minji", "researcher"), ("soyeon", "archivist")):
            accounts.accept_invitation(store, accounts.add_account(store, name, role), PASSWORD)
        secret = factors.begin_enrolment(store, "soyeon")
        factors.confirm_enrolment(store, "soyeon", pyotp.TOTP(secret).at(clock()))
        totp = pyotp.TOTP(secret)
        researcher, archivist = [], []
        for _number in range(args.repeat):
            shift[0] += dt.timedelta(seconds=30)
            client = app.test_client()
            form = {"name": "minji", "password": PASSWORD, "csrf_token": token(client, "/login")}
            started = time.perf_counter()
            assert client.post("/login", data=form).status_code == 303
            researcher.append(time.perf_counter() - started)
            client = app.test_client()
            form = {"name": "soyeon", "password": PASSWORD, "csrf_token": token(client, "/login")}
            started = time.perf_counter()
            client.post("/login", data=form)
            code = totp.at(clock())
            middle = time.perf_counter()
            form = {"code": code, "csrf_token": token(client, "/login/totp")}
            paused = time.perf_counter() - middle
            assert client.post("/login/totp", data=form).status_code == 303
            archivist.append(time.perf_counter() - started - paused)
        for label, times in (("researcher (password)", researcher),
                             ("archivist (password + TOTP)", archivist)):
            times.sort()
            print(f"{label}: median {statistics.median(times) * 1000:.0f} ms, "
                  f"slowest {times[-1] * 1000:.0f} ms over {len(times)} logins")


if __name__ == "__main__":
    main()
