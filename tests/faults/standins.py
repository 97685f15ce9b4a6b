"""Real services we can break on purpose: a private redis-server, a mail server, a worker.

Nothing here touches the shared Redis or PostgreSQL: the Redis we stop is our own
process on its own port, and the worker we kill is one we started.
"""

import contextlib
import email
import email.policy
import os
import select
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import threading
from pathlib import Path

from tests.support.processes import pool_children, wait_for

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """A redis-server of our own (no persistence), stopped and started on the same port."""

    def __init__(self):
        self.port = free_port()
        self.process = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> "PrivateRedis":
        command = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_for(self.answers, 10, f"redis-server on port {self.port}")
        return self

    def stop(self) -> None:
        """Kill it outright (SIGKILL): what a crash or a lost host looks like to clients."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None
        wait_for(lambda: not self.answers(), 5, "redis-server to stop")


class SMTPStandIn:
    """A minimal SMTP server on 127.0.0.1 that keeps the messages it accepts.

    `hold()` makes it keep the client waiting after the message's final dot,
    before it says 250 (as a server running content checks would). A client that
    disconnects meanwhile has not had its message accepted, and it is dropped.
    `received` counts messages that reached the final dot, `accepted` the ones
    answered 250.
    """

    def __init__(self):
        self.accepted: list[bytes] = []
        self.received = 0
        self.receiving = threading.Event()  # set when a message waits on hold
        self.open = threading.Event()
        self.open.set()
        standin = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                with contextlib.suppress(ConnectionError):  # a client killed mid-conversation
                    standin.converse(self.connection, self.rfile, self.wfile)

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]

    def start(self) -> "SMTPStandIn":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.open.set()
        self.server.shutdown()
        self.server.server_close()

    def hold(self) -> None:
        self.receiving.clear()
        self.open.clear()

    def release(self) -> None:
        self.open.set()

    def messages_with(self, text: str) -> list[bytes]:
        return [message for message in self.accepted if text.encode() in message]

    def subjects(self) -> list[str]:
        """The decoded subject of every accepted message."""
        return [
            str(email.message_from_bytes(message, policy=email.policy.default)["Subject"])
            for message in self.accepted
        ]

    def converse(self, connection, rfile, wfile):
        def reply(line: str):
            wfile.write(f"{line}\r\n".encode())
            wfile.flush()

        reply("220 standin ESMTP")
        while line := rfile.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                reply("250 standin")
            elif verb == b"DATA":
                reply("354 go ahead")
                lines = []
                while (data := rfile.readline()) not in (b".\r\n", b""):
                    lines.append(data)
                self.received += 1
                if not self.wait_until_open(connection):
                    return  # the client went away before we accepted: nothing delivered
                self.accepted.append(b"".join(lines))
                reply("250 accepted")
            elif verb == b"QUIT":
                reply("221 bye")
                return
            else:
                reply("250 ok")

    def wait_until_open(self, connection) -> bool:
        """Wait while on hold; False if the client disconnected before we could accept."""
        self.receiving.set()
        while not self.open.wait(0.05):
            if self.client_gone(connection):
                return False
        # Looked at once more: the client may have died just before the hold ended.
        return not self.client_gone(connection)

    @staticmethod
    def client_gone(connection) -> bool:
        """A client waiting for our reply sends nothing, so anything readable is its end."""
        readable, _, _ = select.select([connection], [], [], 0)
        if not readable:
            return False
        try:
            return connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True


def database_url(connection) -> str:
    settings = connection.settings_dict
    return f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"


def start_worker(connection, redis_url: str, smtp_port: int) -> subprocess.Popen:
    """A real Celery worker (prefork, one process) on the test database and the given broker."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.dev",
        "DEBUG": "False",
        "DATABASE_URL": database_url(connection),
        "REDIS_URL": redis_url,
        "STRIPE_SECRET_KEY": "sk_test_standin",
        "EMAIL_DELIVERY_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "False",
        # The outbox catch-up sends whatever is unsent when it runs (production waits a minute).
        "EMAIL_CATCH_UP_AFTER_SECONDS": "0",
    }
    command = [sys.executable, "-m", "celery", "-A", "cms", "worker", "--pool", "prefork"]
    command += ["--concurrency", "1", "--without-gossip", "--without-mingle", "-l", "WARNING"]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def stop_worker(worker: subprocess.Popen) -> None:
    """Kill the worker we started and its pool (the test is over; nothing in flight matters)."""
    if worker.poll() is None:
        for pid in (*pool_children(worker.pid), worker.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    worker.wait(30)


@contextlib.contextmanager
def publishing_to(broker_url: str):
    """This process's Celery app publishes for real (not eager) to `broker_url`."""
    from cms.celery import app

    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    app.conf.task_always_eager = False
    app.conf.broker_url = broker_url
    app._pool = app.amqp._producer_pool = None
    try:
        yield app
    finally:
        app.conf.update(saved)
        app._pool = app.amqp._producer_pool = None
