"""A real varnishd with the repository's VCL (deploy/varnish/default.vcl) in front of a server.

Used by the edge tests and the page benchmark. Only the backend's host and port are
substituted; the rest of the VCL (the purge ACL included) is the one deployed.
"""

import contextlib
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VCL = ROOT / "deploy" / "varnish" / "default.vcl"


def varnishd_path() -> str | None:
    return shutil.which("varnishd") or (
        "/usr/sbin/varnishd" if Path("/usr/sbin/varnishd").exists() else None
    )


def vcl_for(backend_host: str, backend_port: int) -> str:
    """The repository's VCL with its backend pointed at host:port (nothing else changed)."""
    text = VCL.read_text()
    text, hosts = re.subn(r'\.host = "[^"]*";', f'.host = "{backend_host}";', text, count=1)
    text, ports = re.subn(r'\.port = "[^"]*";', f'.port = "{backend_port}";', text, count=1)
    if hosts != 1 or ports != 1:
        raise ValueError("deploy/varnish/default.vcl has no backend host and port to point")
    return text


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def varnish(backend_port: int, folder: Path, port: int | None = None, memory: str = "64m"):
    """Run varnishd on 127.0.0.1 (a free port unless given) in front of backend_port; yields
    the port. Its working directory, VCL and log are kept in `folder`."""
    binary = varnishd_path()
    if binary is None:
        raise RuntimeError("varnishd is not installed (Debian package: varnish)")
    folder.mkdir(parents=True, exist_ok=True)
    vcl = folder / "edge.vcl"
    vcl.write_text(vcl_for("127.0.0.1", backend_port))
    port = port or free_port()
    log = (folder / "varnishd.log").open("wb")
    process = subprocess.Popen(
        [binary, "-F", "-j", "none", "-n", str(folder / "work")]
        + ["-a", f"127.0.0.1:{port}", "-f", str(vcl), "-s", f"malloc,{memory}"]
        # A ban is checked by the lurker soon after, not only when an object is looked up.
        + ["-p", "ban_lurker_sleep=0.1", "-p", "default_ttl=0", "-p", "default_grace=0"],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                log.flush()
                raise RuntimeError((folder / "varnishd.log").read_text())
            time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        log.close()
