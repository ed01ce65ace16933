"""The human table on stdout and bench/results/latest.json."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.config import BenchConfig
from bench.ledger import LedgerResult, Timed
from bench.stats import Summary

RESULTS_DIR = Path(__file__).resolve().parent / "results"
BASELINE = "baseline_healthz"

# LOYALTY.md "Speeds to beat": Voucherify's published p95s. The bench has no redemption scenario yet, so
# the earning write (a signed webhook that locks a member and appends to the ledger) stands in for it.
# Published figures describe a service's answer time, so they are compared with both our loaded p95 and
# our one-at-a-time p95 (no queueing behind other requests).
SPEEDS_TO_BEAT: tuple[tuple[str, str, float], ...] = (
    ("storefront_preview", "Voucherify validation p95", 200.0),
    ("storefront_me", "Voucherify validation p95", 200.0),
    ("webhook_order_paid", "Voucherify redemption p95", 500.0),
)

# The same section's rate limits, in requests per second, for the throughput line.
PUBLISHED_RATE_LIMITS = "Voucherify 1.7-33, Smile 10, LoyaltyLion 20, Open Loyalty 1,200 (soft)"


@dataclass
class TargetReport:
    label: str
    version: str
    summaries: list[Summary] = field(default_factory=list)  # at the configured concurrency
    solo_summaries: list[Summary] = field(default_factory=list)  # one request at a time
    ledger: LedgerResult | None = None
    server_log: dict[str, Any] = field(default_factory=dict)
    skipped: str | None = None  # not measured, and that is allowed (PostgreSQL unreachable)
    failed: str | None = None  # could not be measured because something answered wrongly

    def summary(self, name: str, *, solo: bool = False) -> Summary | None:
        return next((s for s in (self.solo_summaries if solo else self.summaries) if s.name == name), None)

    def ratios(self, summary: Summary, *, solo: bool = False) -> tuple[float, float] | None:
        """p50 and p95 over the baseline's, measured the same way (loaded or one at a time)."""
        baseline = self.summary(BASELINE, solo=solo)
        if baseline is None or baseline.p50_ms <= 0 or baseline.p95_ms <= 0:
            return None
        return summary.p50_ms / baseline.p50_ms, summary.p95_ms / baseline.p95_ms


def _git(*args: str) -> str:
    try:
        completed = subprocess.run(  # noqa: S603 - fixed git arguments
            ["git", *args],  # noqa: S607 - git from PATH, as a developer runs it
            capture_output=True,
            text=True,
            timeout=5,
            cwd=RESULTS_DIR.parent.parent,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return completed.stdout.strip()


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _load_average() -> list[float] | None:
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except OSError:
        return None


def machine_info() -> dict[str, Any]:
    return {
        "load_average_at_start": _load_average(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "git_commit": _git("rev-parse", "--short", "HEAD"),
        "git_dirty": bool(_git("status", "--porcelain")),
    }


def _speed_row(summary: Summary, label: str, their_p95: float) -> dict[str, Any]:
    return {
        "reference": label,
        "reference_p95_ms": their_p95,
        "p95_ms": round(summary.p95_ms, 3),
        "share_of_reference": round(summary.p95_ms / their_p95, 4),
        "times_faster": round(their_p95 / summary.p95_ms, 2),
    }


def _speeds_to_beat(target: TargetReport) -> list[dict[str, Any]]:
    rows = []
    for name, label, their_p95 in SPEEDS_TO_BEAT:
        loaded, solo = target.summary(name), target.summary(name, solo=True)
        if loaded is None:
            continue
        row: dict[str, Any] = {"scenario": name, "loaded": _speed_row(loaded, label, their_p95)}
        if solo is not None:
            row["one_at_a_time"] = _speed_row(solo, label, their_p95)
        rows.append(row)
    return rows


def _scenario_dicts(target: TargetReport, *, solo: bool) -> dict[str, Any]:
    scenarios: dict[str, Any] = {}
    for summary in target.solo_summaries if solo else target.summaries:
        entry: dict[str, Any] = summary.as_dict()
        ratios = target.ratios(summary, solo=solo)
        if ratios is not None:
            entry["p50_vs_baseline"], entry["p95_vs_baseline"] = round(ratios[0], 2), round(ratios[1], 2)
        scenarios[summary.name] = entry
    return scenarios


def _target_dict(target: TargetReport) -> dict[str, Any]:
    if target.skipped is not None:
        return {"skipped": target.skipped}
    if target.failed is not None:
        return {"version": target.version, "failed": target.failed}
    return {
        "version": target.version,
        "scenarios": _scenario_dicts(target, solo=False),
        "scenarios_one_at_a_time": _scenario_dicts(target, solo=True),
        "speeds_to_beat": _speeds_to_beat(target),
        "ledger": target.ledger.as_dict() if target.ledger else None,
        "server_log": target.server_log,
    }


def write_json(
    config: BenchConfig, machine: dict[str, Any], targets: list[TargetReport], problems: list[str]
) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / "latest.json"
    document = {
        "ok": not problems,
        "problems": problems,
        "machine": {**machine, "load_average_at_end": _load_average()},
        "config": {
            "requests": config.requests,
            "concurrency": config.concurrency,
            "solo_requests": config.solo_requests,
            "warmup": config.warmup,
            "customers": config.customers,
            "ledger_rows": config.ledger_rows,
            "ledger_entries_per_member": config.entries_per_member,
        },
        "databases": {target.label: _target_dict(target) for target in targets},
    }
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path


def _cpu_text(value: float | None) -> str:
    return f"{value:>9.2f}" if value is not None else f"{'n/a':>9}"


def _ratio_text(ratios: tuple[float, float] | None) -> str:
    return f"{ratios[0]:>9.2f}{ratios[1]:>9.2f}" if ratios else f"{'':>18}"


def _scenario_table(target: TargetReport, *, solo: bool) -> list[str]:
    header = (
        f"{'scenario':<23}{'p50 ms':>8}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}{'req/s':>7}{'errors':>7}"
        f"{'p50/base':>9}{'p95/base':>9}{'srv cpu':>9}{'gen cpu':>9}"
    )
    lines = [header, "-" * len(header)]
    for s in target.solo_summaries if solo else target.summaries:
        lines.append(
            f"{s.name:<23}{s.p50_ms:>8.2f}{s.p95_ms:>9.2f}{s.p99_ms:>9.2f}{s.max_ms:>9.2f}"
            f"{s.throughput_rps:>7.0f}{s.errors:>7}{_ratio_text(target.ratios(s, solo=solo))}"
            f"{_cpu_text(s.server_cpu_ms)}{_cpu_text(s.client_cpu_ms)}"
        )
    return lines


def _verdict(row: dict[str, Any]) -> str:
    ratio = float(row["times_faster"])
    if ratio >= 1:
        speed = f"{ratio:.0f}x faster" if ratio >= 10 else f"{ratio:.1f}x faster"
    else:
        speed = f"{1 / ratio:.1f}x SLOWER"
    return f"{row['p95_ms']:>8.2f} ms ({speed})"


def _throughput_line(target: TargetReport) -> str:
    rates = [s.throughput_rps for s in target.summaries if not s.name.startswith(BASELINE)]
    if not rates:
        return ""
    return (
        f"  throughput under load {min(rates):.0f}-{max(rates):.0f} req/s vs published API limits "
        f"{PUBLISHED_RATE_LIMITS}"
    )


def _speeds_lines(target: TargetReport) -> list[str]:
    lines = ["speeds to beat (LOYALTY.md): our p95 vs the published p95"]
    for row in _speeds_to_beat(target):
        loaded = row["loaded"]
        text = f"  {row['scenario']:<20} vs {loaded['reference']} {loaded['reference_p95_ms']:.0f} ms:"
        text += f" loaded {_verdict(loaded)}"
        if "one_at_a_time" in row:
            text += f"; one at a time {_verdict(row['one_at_a_time'])}"
        lines.append(text)
    return [*lines, _throughput_line(target)]


def _ledger_row(label: str, timed: Timed, unit: str) -> str:
    return f"  {label:<28}{timed.seconds:>8.2f} s {timed.rows:>10,} {unit:<16}{timed.rows_per_s:>12,.0f} /s"


def _ledger_lines(ledger: LedgerResult) -> list[str]:
    return [
        f"ledger ({ledger.members:,} seeded members; {ledger.entries:,} entries in all):",
        _ledger_row("seed (bulk insert)", ledger.seed, "entries"),
        _ledger_row("doctor find_problems", ledger.doctor, "entries"),
        _ledger_row("mature_points (+15 days)", ledger.mature, "pending entries")
        + f"  ({ledger.members_matured:,} members)",
        _ledger_row("doctor after maturing", ledger.doctor_after_mature, "entries"),
        _ledger_row("KPIs (overview, 90 days)", ledger.kpis, "entries"),
        "  doctor problems: 0 (before and after maturing)",
    ]


def _heading(config: BenchConfig, machine: dict[str, Any]) -> list[str]:
    commit = machine["git_commit"] + (" + uncommitted changes" if machine["git_dirty"] else "")
    load = machine.get("load_average_at_start")
    return [
        f"Lojal benchmark — {machine['date']} — Python {machine['python']}, "
        f"{machine['cpu_count']} CPUs ({machine['cpu_model']}), commit {commit or 'unknown'}",
        f"load average before the run: {load} (anything else running on the machine skews every number)",
        f"each scenario: {config.warmup} warm-up requests, {config.requests} measured at concurrency "
        f"{config.concurrency}, then {config.solo_requests} measured one at a time;",
        "real HTTP over loopback to uvicorn in its own process; ratios are to this run's baseline_healthz.",
        "srv cpu / gen cpu: CPU ms per request used by the server process / by the load generator.",
    ]


def _server_log_line(log: dict[str, Any]) -> str:
    notable = ", ".join(f"{event} x{count}" for event, count in log.get("notable_events", {}).items())
    return (
        f"server log: {log.get('lines', 0):,} lines, {log.get('warnings', 0)} warnings, "
        f"{log.get('errors', 0)} errors" + (f" ({notable})" if notable else "")
    )


def _target_lines(target: TargetReport) -> list[str]:
    if target.skipped is not None:
        return [f"== {target.label}: SKIPPED — {target.skipped}"]
    if target.failed is not None:
        return [f"== {target.label} ({target.version}): FAILED — {target.failed}"]
    lines = [f"== {target.label} ({target.version})", *_scenario_table(target, solo=False)]
    if target.solo_summaries:
        lines += ["", "one request at a time:", *_scenario_table(target, solo=True)]
    lines += ["", *_speeds_lines(target)]
    if target.ledger is not None:
        lines += ["", *_ledger_lines(target.ledger)]
    return [*lines, "", _server_log_line(target.server_log)]


def render(config: BenchConfig, machine: dict[str, Any], targets: list[TargetReport]) -> str:
    lines = _heading(config, machine)
    for target in targets:
        lines += ["", *_target_lines(target)]
    return "\n".join(lines)
