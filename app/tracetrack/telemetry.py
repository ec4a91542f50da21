"""Request statistics, the scaling recommendation, and CloudWatch metrics in Embedded Metric Format.

Statistics are kept per worker process over a sliding window. CloudWatch receives the same samples as
EMF lines on stdout (the ECS log driver ships them; CloudWatch Logs extracts the metrics), aggregated
per flush interval so that the cost does not grow with the request rate.
"""

import atexit
import json
import os
import socket
import sys
import threading
import time
from collections import deque

# Bounds memory at high request rates; the snapshot then covers the most recent samples only.
MAX_SAMPLES = 100_000
# CloudWatch accepts at most 100 values per metric in one EMF document.
EMF_MAX_VALUES = 100


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    if not sorted_values:
        return None
    index = min(int(fraction * len(sorted_values)), len(sorted_values) - 1)
    return round(sorted_values[index], 2)


class RequestStats:
    def __init__(self, window_seconds: int):
        self.window_seconds = window_seconds
        self._samples: deque[tuple[float, float, int]] = deque(maxlen=MAX_SAMPLES)
        self._lock = threading.Lock()
        self.in_flight = 0

    def started(self) -> None:
        with self._lock:
            self.in_flight += 1

    def finished(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def record(self, latency_ms: float, status: int) -> None:
        now = time.monotonic()
        with self._lock:
            self._samples.append((now, latency_ms, status))
            horizon = now - self.window_seconds
            while self._samples and self._samples[0][0] < horizon:
                self._samples.popleft()

    def snapshot(self) -> dict:
        now = time.monotonic()
        with self._lock:
            samples = [s for s in self._samples if s[0] >= now - self.window_seconds]
            in_flight = self.in_flight
        latencies = sorted(s[1] for s in samples)
        covered = min(self.window_seconds, now - samples[0][0]) if samples else self.window_seconds
        covered = max(covered, 1.0)
        server_errors = sum(1 for s in samples if s[2] >= 500)
        return {
            "count": len(samples),
            "window_seconds": round(covered, 1),
            "rate_per_second": round(len(samples) / covered, 2),
            "error_rate": round(server_errors / len(samples), 4) if samples else 0.0,
            "in_flight": in_flight,
            # Little's law: the average number of requests being served over the window.
            "mean_concurrency": round(sum(latencies) / 1000 / covered, 3),
            "latency_ms": {
                "p50": percentile(latencies, 0.50),
                "p95": percentile(latencies, 0.95),
                "p99": percentile(latencies, 0.99),
            },
        }


def recommend(requests: dict, pool: dict, threads: int, config: dict) -> dict:
    """Turn one worker's figures into scale_out / scale_in / hold, with the reason in words."""
    p95 = requests["latency_ms"]["p95"]
    target = config["SCALE_OUT_P95_MS"]
    thread_use = requests["mean_concurrency"] / threads if threads else 0.0
    utilization = max(thread_use, pool["usage"])
    if p95 is not None and p95 > target:
        return {"action": "scale_out", "reason": f"p95 latency {p95} ms is above the {target:g} ms target"}
    if utilization >= config["SCALE_OUT_UTILIZATION"]:
        return {"action": "scale_out", "reason": f"utilization {utilization:.0%} of worker threads or DB pool"}
    if requests["count"] == 0:
        return {"action": "scale_in", "reason": f"no requests in the last {requests['window_seconds']:g} s"}
    if utilization <= config["SCALE_IN_UTILIZATION"] and (p95 is None or p95 <= target / 2):
        return {"action": "scale_in", "reason": f"utilization {utilization:.0%} and p95 {p95} ms leave capacity idle"}
    return {"action": "hold", "reason": f"p95 {p95} ms and utilization {utilization:.0%} are within targets"}


def summarize(values: list[float]) -> list[float]:
    """At most EMF_MAX_VALUES values whose distribution matches ``values`` (evenly spaced quantiles)."""
    if len(values) <= EMF_MAX_VALUES:
        return [round(v, 2) for v in values]
    ordered = sorted(values)
    step = len(ordered) / EMF_MAX_VALUES
    return [round(ordered[int((i + 0.5) * step)], 2) for i in range(EMF_MAX_VALUES)]


class EmfPublisher:
    """Aggregates request samples and writes one EMF document per flush interval."""

    def __init__(self, namespace: str, environment: str, interval: float, stream=None):
        self.namespace = namespace
        self.environment = environment
        self.interval = interval
        self.stream = stream
        self._lock = threading.Lock()
        self._reset()
        self._thread_pid = None

    def _reset(self) -> None:
        self._latencies: list[float] = []
        self._counters = {"RequestCount": 0, "ServerErrors": 0, "ClientErrors": 0}

    def record(self, latency_ms: float, status: int) -> None:
        with self._lock:
            self._latencies.append(latency_ms)
            self._counters["RequestCount"] += 1
            if status >= 500:
                self._counters["ServerErrors"] += 1
            elif status >= 400:
                self._counters["ClientErrors"] += 1
        self._ensure_flusher()

    def increment(self, name: str, amount: int = 1) -> None:
        with self._lock:
            self._counters[name] = self._counters.get(name, 0) + amount

    def _ensure_flusher(self) -> None:
        # Started lazily and per process: a thread started before gunicorn forks would not survive the fork.
        if self._thread_pid == os.getpid():
            return
        with self._lock:
            if self._thread_pid == os.getpid():
                return
            self._thread_pid = os.getpid()
        atexit.register(self.flush)
        threading.Thread(target=self._run, name="emf-flusher", daemon=True).start()

    def _run(self) -> None:
        while True:
            time.sleep(self.interval)
            self.flush()

    def document(self) -> dict | None:
        with self._lock:
            latencies, counters = self._latencies, self._counters
            self._reset()
        if not any(counters.values()):
            return None
        metrics = [{"Name": name, "Unit": "Count"} for name in counters]
        doc = {
            "_aws": {
                "Timestamp": int(time.time() * 1000),
                "CloudWatchMetrics": [{"Namespace": self.namespace, "Dimensions": [["Service"]], "Metrics": metrics}],
            },
            "Service": "tracetrack",
            "Environment": self.environment,
            "Host": socket.gethostname(),
            **counters,
        }
        if latencies:
            metrics.insert(0, {"Name": "RequestLatency", "Unit": "Milliseconds"})
            doc["RequestLatency"] = summarize(latencies)
        return doc

    def flush(self) -> None:
        doc = self.document()
        if doc is not None:
            stream = self.stream or sys.stdout
            stream.write(json.dumps(doc, separators=(",", ":")) + "\n")
            stream.flush()
