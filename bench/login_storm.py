"""`make bench` (part): what a storm of password guesses does to a running `miner serve`.

A real server (uvicorn, its own process) on a small SQLite database with one curator. For 8 s,
40 threads post wrong passwords to /login, in two ways:
- one address guessing one account (throttled: 429 after a few tries);
- 40 addresses (X-Forwarded-For, which the server trusts from loopback) guessing 40 names each
  time anew, so throttling never applies and only the bound on concurrent password hashes
  protects the server.
Meanwhile a reader times /api/v1/stats. Reports that latency (p50 / p95 / max) before and during,
the server's peak resident memory (VmHWM), and the answers the guesses got; then 40 wrong
passwords followed by the right one, to show the right one is refused while throttled.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from miner.accounts import create_user  # noqa: E402
from miner.store import Database  # noqa: E402

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = secrets.token_urlsafe(16)
SECONDS = 8
THREADS = 40


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(folder: Path) -> tuple[subprocess.Popen, str]:
    folder.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{folder / 'miner.db'}"
    database = Database.open(url)
    with database.session() as session:
        create_user(session, "curator", "curator", PASSWORD)
    database.dispose()
    (folder / "config.toml").write_text(f'[database]\nurl = "{url}"\n[web]\nsecure_cookies = false\n')
    port = free_port()
    env = {"MINER_WEB_SECRET_KEY": secrets.token_urlsafe(32), "PATH": "/usr/bin:/bin"}
    server = subprocess.Popen(
        [sys.executable, "-m", "miner", "--config", str(folder / "config.toml"), "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(base + "/api/v1/stats", timeout=1)
            return server, base
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


def peak_rss_mb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) // 1024


def stats_latency(base: str, until: float) -> list[float]:
    samples = []
    with httpx.Client(base_url=base, timeout=30) as client:
        while time.time() < until:
            start = time.perf_counter()
            client.get("/api/v1/stats")
            samples.append(time.perf_counter() - start)
            time.sleep(0.05)
    return samples


def summary(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


def guesser(base: str, until: float, answers: collections.Counter, spread: bool, number: int) -> None:
    with httpx.Client(base_url=base, timeout=30) as client:
        while time.time() < until:
            headers = (
                {"X-Forwarded-For": f"10.{number}.{secrets.randbelow(250)}.{secrets.randbelow(250)}"} if spread else {}
            )
            token = TOKEN.search(client.get("/login", headers=headers).text)
            name = f"user{secrets.randbelow(10**9)}" if spread else "curator"
            data = {"username": name, "password": "a wrong guess!", "csrf_token": token.group(1) if token else ""}
            answers[client.post("/login", data=data, headers=headers).status_code] += 1


def storm(base: str, spread: bool) -> dict:
    until = time.time() + SECONDS
    answers: collections.Counter = collections.Counter()
    threads = [threading.Thread(target=guesser, args=(base, until, answers, spread, n)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    during = stats_latency(base, until)
    for thread in threads:
        thread.join()
    return {"stats_during": summary(during), "answers": dict(answers)}


def right_after_wrong(base: str) -> int:
    with httpx.Client(base_url=base, timeout=30) as client:
        headers = {"X-Forwarded-For": "192.0.2.7"}
        for _ in range(40):
            token = TOKEN.search(client.get("/login", headers=headers).text).group(1)
            client.post(
                "/login",
                data={"username": "curator", "password": "wrong password", "csrf_token": token},
                headers=headers,
            )
        token_match = TOKEN.search(client.get("/login", headers=headers).text)
        token = token_match.group(1) if token_match else ""
        return client.post(
            "/login", data={"username": "curator", "password": PASSWORD, "csrf_token": token}, headers=headers
        ).status_code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results: dict = {}
    with tempfile.TemporaryDirectory() as folder:
        for spread in (False, True):
            server, base = start_server(Path(folder) / ("spread" if spread else "one"))
            try:
                name = "40 addresses, new names" if spread else "one address, one account"
                results[name] = {
                    "stats_before": summary(stats_latency(base, time.time() + 2)),
                    "rss_before_mb": peak_rss_mb(server.pid),
                }
                results[name].update(storm(base, spread))
                results[name]["peak_rss_mb"] = peak_rss_mb(server.pid)
                if not spread:
                    results[name]["right_password_after_40_wrong"] = right_after_wrong(base)
            finally:
                server.terminate()
                server.wait(timeout=30)
            print(f"{name}: {json.dumps(results[name])}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
