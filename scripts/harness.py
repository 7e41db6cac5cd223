"""What the scripts that drive the real binaries share: free ports, building,
starting, waiting for, stopping and killing services, and HTTP requests.

Used by scripts/compose-smoke, scripts/reliability and Benchmarks/run (which
puts this folder on sys.path). Every port comes from free_port(): nothing here
assumes a fixed port is free.
"""

import itertools
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _ports_below_the_ephemeral_range():
    """The 8,000 ports below the kernel's ephemeral range, none below 10,000
    (clear of the well-known ports and of the services' own, 8080 and 88xx),
    as the Swift tests' `unusedPort()` takes them."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as text:
            ephemeral_low = int(text.read().split()[0])
    except (OSError, ValueError, IndexError):
        ephemeral_low = 32768
    high = max(ephemeral_low, 11_000)
    return range(max(10_000, high - 8_000), high)


_PORTS = _ports_below_the_ephemeral_range()
# In turn from a random start, so that two runs rarely begin on the same port.
_turns = itertools.count(random.randrange(len(_PORTS)))


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now, never the
    same one twice in a run. It comes from below the ephemeral range: a port
    the kernel hands out for port 0 can be taken, before the service binds
    it, as the local end of any outgoing connection (the services call each
    other), and two such picks can repeat."""
    for _ in range(len(_PORTS)):
        port = _PORTS[next(_turns) % len(_PORTS)]
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below the ephemeral range")


def build(configuration="debug", products=("bugtracker", "bugtracker-migrate")):
    """Builds `products` and returns the folder holding them."""
    for product in products:
        subprocess.run(["swift", "build", "-c", configuration, "--product", product], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return subprocess.run(["swift", "build", "-c", configuration, "--show-bin-path"], cwd=ROOT, check=True, capture_output=True,
                          text=True).stdout.strip()


def ensure_python_package(module, package=None):
    """Imports `module`, installing `package` from PyPI first when missing."""
    try:
        __import__(module)
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", package or module], check=True)


class Processes:
    """The processes a script started, so that whatever a failure leaves
    running is stopped."""

    def __init__(self):
        self.started = []

    def start(self, argv, log=None, env=None, cwd=None, stdout=None):
        process = subprocess.Popen(argv, stdout=stdout if stdout is not None else (log or subprocess.DEVNULL),
                                   stderr=subprocess.STDOUT if (log or stdout) else subprocess.DEVNULL, env=env, cwd=cwd)
        process.log_path = getattr(log, "name", None)
        self.started.append(process)
        return process

    def kill_all(self):
        for process in self.started:
            if process.poll() is None:
                process.kill()
                process.wait()
        self.started.clear()


def wait_ready(url, timeout=30, process=None, describe=None):
    """Waits until `url` answers 200. Raises TimeoutError, or RuntimeError
    when `process` exits first."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{describe or url}: the process exited {process.returncode} before it was ready"
                               + _log_tail(process))
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{describe or url} never became ready")


def _log_tail(process, lines=20):
    """The last lines of the log `Processes.start` gave `process`, so that a
    failed start says why (the log's folder is often removed right after)."""
    path = getattr(process, "log_path", None)
    if not path:
        return ""
    try:
        with open(path, errors="replace") as log:
            tail = log.readlines()[-lines:]
    except OSError:
        return ""
    return "; its log ends:\n" + "".join(tail) if tail else ""


def stop(*processes, timeout=30):
    """SIGTERM to each, then their exit codes ("hung" for one that outlived
    `timeout` and was killed)."""
    codes = []
    for process in processes:
        if process and process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        if process:
            try:
                codes.append(process.wait(timeout=timeout))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                codes.append("hung")
    return codes


def kill9(process):
    process.send_signal(signal.SIGKILL)
    process.wait()


def request(method, url, body=None, headers=None, timeout=10):
    """One HTTP call with a JSON body; returns (status, headers, decoded body)."""
    data = json.dumps(body).encode() if body is not None else None
    call = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(call, timeout=timeout) as response:
            return response.status, dict(response.headers), _decode(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), _decode(error.read())


def _decode(raw):
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


class Catcher:
    """An SMTP server (aiosmtpd, from PyPI) that keeps every message it
    accepts, with its recipients and Message-ID; it can be stopped and
    started again on the same port."""

    def __init__(self, port):
        import threading

        self.port = port
        self.messages = []  # (recipients, content, message id)
        self.lock = threading.Lock()
        self.controller = None
        self.start()

    def start(self):
        import re

        from aiosmtpd.controller import Controller

        catcher = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                content = (envelope.original_content or envelope.content).decode("utf-8", "replace")
                match = re.search(r"^Message-ID: (.*?)\r?$", content, re.M | re.I)
                with catcher.lock:
                    catcher.messages.append((list(envelope.rcpt_tos), content, match.group(1).strip() if match else "?"))
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller:
            self.controller.stop()
            self.controller = None

    @property
    def ids(self):
        with self.lock:
            return [message_id for _, _, message_id in self.messages]

    def counts(self):
        """Messages received, and distinct Message-IDs among them."""
        ids = self.ids
        return len(ids), len(set(ids))

    def wait_for_unique(self, count, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.counts()[1] >= count:
                return True
            time.sleep(0.05)
        return False


def fill_outbox(database, count, subject="Welcome", body="Hello"):
    """Queues `count` messages straight into the outbox table of the
    database file at `database` (a backlog for the notificator to drain)."""
    import contextlib
    import sqlite3

    with contextlib.closing(sqlite3.connect(database)) as connection, connection:
        connection.execute(
            """WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
               INSERT INTO outbox (topic, recipient, subject, body, created_at)
               SELECT 'user.welcome', 'r' || i || '@example.com', ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM n""",
            (count, subject, body),
        )
