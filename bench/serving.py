"""Start and stop the server process; the parent binds the port so no other process can take it."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.progress import say

STARTUP_TIMEOUT_S = 60.0
SHUTDOWN_TIMEOUT_S = 15.0


class ServerFailed(Exception):
    """The server process did not start, or died."""


@dataclass(frozen=True)
class RunningServer:
    base_url: str
    log_path: Path
    process: subprocess.Popen[bytes]

    def cpu_seconds(self) -> float | None:
        """User + system CPU of the server process so far (Linux /proc); None where unavailable."""
        try:
            stat = Path(f"/proc/{self.process.pid}/stat").read_text()
        except OSError:
            return None
        # Fields after the parenthesised command name; utime and stime are the 14th and 15th overall.
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _listening_socket() -> socket.socket:
    # Bound and listening before the child starts: early connections wait in the backlog, none is refused.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(2048)
    listener.set_inheritable(True)
    return listener


def _spawn(
    listener: socket.socket, database_url: str, store_spec: Path, log_path: Path
) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "bench.server",
        "--fd",
        str(listener.fileno()),
        "--database-url",
        database_url,
        "--store-spec",
        str(store_spec),
    ]
    with log_path.open("wb") as log_file:
        return subprocess.Popen(  # noqa: S603 - our own interpreter and module
            command,
            pass_fds=(listener.fileno(),),
            stdout=log_file,
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).resolve().parent.parent,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )


async def _wait_until_healthy(server: RunningServer) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    async with httpx.AsyncClient(base_url=server.base_url, timeout=5.0) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise ServerFailed(f"the server process exited with {server.process.returncode}")
            try:
                if (await client.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise ServerFailed(f"the server did not answer /healthz within {STARTUP_TIMEOUT_S:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)  # uvicorn's graceful shutdown runs the app's lifespan end
    try:
        process.wait(timeout=SHUTDOWN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def log_tail(log_path: Path, lines: int = 30) -> str:
    if not log_path.exists():
        return "(no server log)"
    return "\n".join(log_path.read_text(errors="replace").splitlines()[-lines:])


@asynccontextmanager
async def running_server(database_url: str, store_spec: Path, log_path: Path) -> AsyncIterator[RunningServer]:
    listener = _listening_socket()
    port = listener.getsockname()[1]
    process = _spawn(listener, database_url, store_spec, log_path)
    listener.close()  # the child holds its own copy; the parent never accepts
    server = RunningServer(base_url=f"http://127.0.0.1:{port}", log_path=log_path, process=process)
    try:
        started = time.perf_counter()
        await _wait_until_healthy(server)
        say(f"server pid {process.pid} ready on {server.base_url} in {time.perf_counter() - started:.1f} s")
        yield server
    except BaseException:
        say(f"server log tail ({log_path}):\n{log_tail(log_path)}")
        raise
    finally:
        await asyncio.to_thread(_stop, process)
