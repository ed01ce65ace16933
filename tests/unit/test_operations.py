"""Operational mistakes stop a `lojal` command with one clear line (exit 2), never a traceback; a
database still starting is waited for; the CLI reads the settings `make run` serves with."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from app.settings import PROJECT_ROOT
from tests.unit.test_cli import cli_env, run_cli


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    line = result.stderr.strip()
    assert line.count("\n") == 0, result.stderr
    assert line.startswith("lojal: ")
    return line


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fresh_layout(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """What `make run` leaves: var/secret_key (and nothing in the environment)."""
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "secret_key").write_text("k" * 64 + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY", "APP_URL")}
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    return tmp_path, env


class TestDatabase:
    async def test_an_unreachable_database_is_waited_for_then_named(self, database_url: str) -> None:
        env = cli_env("postgresql+asyncpg://postgres@127.0.0.1:1/lojal", DATABASE_WAIT_SECONDS="2")
        started = time.monotonic()
        line = one_line(await run_cli("doctor", env=env))
        assert time.monotonic() - started >= 2  # it retried for the whole wait
        assert "cannot reach the database 'lojal' at 127.0.0.1:1 after 2 s" in line

    @pytest.mark.postgres_only
    async def test_a_database_that_does_not_exist_is_named_at_once(self, database_url: str) -> None:
        missing = make_url(database_url).set(database="lojal_no_such_database")
        env = cli_env(missing.render_as_string(hide_password=False), DATABASE_WAIT_SECONDS="30")
        started = time.monotonic()
        line = one_line(await run_cli("migrate", env=env))
        assert time.monotonic() - started < 20  # not worth waiting for
        assert "'lojal_no_such_database'" in line and "does not exist" in line

    async def test_a_schema_that_was_never_migrated_says_what_to_run(self, tmp_path: Path) -> None:
        env = cli_env(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
        for command in (["doctor"], ["jobs", "run"], ["worker", "--once"]):
            line = one_line(await run_cli(*command, env=env))
            assert "has no Lojal tables yet: run `lojal migrate`" in line

    async def test_an_unparsable_database_url_is_named(self, database_url: str) -> None:
        env = cli_env("postgresql+asyncpg://user@db:notaport/lojal")
        line = one_line(await run_cli("migrate", env=env))
        assert "DATABASE_URL" in line and "not a database URL" in line

    async def test_a_sqlite_file_in_a_missing_directory_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "nowhere" / "lojal.db"
        line = one_line(await run_cli("migrate", env=cli_env(f"sqlite+aiosqlite:///{path}")))
        assert "does not exist" in line and str(path.parent) in line
        assert not path.parent.exists()  # refused, not created somewhere nobody looks


class TestServe:
    async def test_a_port_in_use_is_named(self, database_url: str) -> None:
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            line = one_line(
                await run_cli("serve", "--host", "127.0.0.1", "--port", str(port), env=cli_env(database_url))
            )
        assert f"cannot listen on 127.0.0.1:{port}" in line

    def test_a_local_app_url_on_another_port_is_warned_and_uvicorn_logs_json(self, database_url: str) -> None:
        port = free_port()
        env = cli_env(
            database_url, APP_URL="http://localhost:8000", LOG_JSON="true", WORKER_IN_PROCESS="false"
        )
        server = subprocess.Popen(  # noqa: S603 - our own CLI
            [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=PROJECT_ROOT,
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        lines: list[str] = []
        try:
            assert server.stderr is not None
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                line = server.stderr.readline()
                if not line:
                    break
                lines.append(line.strip())
                if "Application startup complete" in line:
                    break
        finally:
            server.terminate()
            server.wait(timeout=30)
        warning, *logged = lines
        assert warning.startswith("lojal: WARNING: APP_URL is http://localhost:8000 but Lojal serves on port")
        records = [json.loads(line) for line in logged]  # every line after it is one JSON object
        assert any(
            r.get("event") == "serving" and r.get("url") == f"http://127.0.0.1:{port}" for r in records
        )
        uvicorn_lines = [r for r in records if r.get("logger") == "uvicorn.error"]
        assert any("Application startup complete" in r["event"] for r in uvicorn_lines), records


class TestFreshLayout:
    async def test_the_cli_reads_what_make_run_serves_with(self, tmp_path: Path) -> None:
        cwd, env = fresh_layout(tmp_path)
        for command in (["migrate"], ["jobs", "run"], ["doctor"]):
            result = await run_cli(*command, env=env, cwd=cwd)
            assert result.returncode == 0, result.stderr
        assert (cwd / "var" / "lojal.db").is_file()  # the embedded default, beside var/secret_key

    async def test_without_a_key_the_line_says_how_to_get_one(self, tmp_path: Path) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY", "APP_URL")}
        env["PYTHONPATH"] = str(PROJECT_ROOT)
        line = one_line(await run_cli("jobs", "run", env=env, cwd=tmp_path))
        assert "SECRET_KEY" in line and "make run" in line
