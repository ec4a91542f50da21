"""Count the AWS API calls a piece of work makes against the emulator, split into reads and writes.

    with record_calls(emulator_url) as calls:
        run_playbook(...)
    assert calls.writes == []

The emulator keeps only a summary of each request in memory (service, operation, method); nothing
is written to disk, so recordings cannot leak secrets.
"""

import contextlib
import dataclasses
import json
import urllib.request

# Operations whose name starts with one of these only read state.
READ_PREFIXES = ("Describe", "List", "Get", "BatchGet", "Search", "Lookup", "Check", "Validate", "Head", "Query")


@dataclasses.dataclass(frozen=True)
class Call:
    service: str
    operation: str
    method: str
    path: str
    # Answered with a throttling error by the emulator's realistic profile: it did nothing, and was retried.
    throttled: bool = False

    @property
    def is_read(self) -> bool:
        if self.operation:
            return self.operation.startswith(READ_PREFIXES)
        # REST protocols (CloudFront, X-Ray, ...): the HTTP method says it.
        return self.method in ("GET", "HEAD")

    def __str__(self) -> str:
        return f"{self.service}:{self.operation or self.method + ' ' + self.path}"


@dataclasses.dataclass
class CallLog:
    calls: list[Call] = dataclasses.field(default_factory=list)

    @property
    def answered(self) -> list[Call]:
        return [c for c in self.calls if not c.throttled]

    @property
    def reads(self) -> list[str]:
        return [str(c) for c in self.answered if c.is_read]

    @property
    def writes(self) -> list[str]:
        return [str(c) for c in self.answered if not c.is_read]

    def throttled_by_service(self) -> dict[str, int]:
        """Calls answered with a throttling error (and so retried), per service."""
        counts: dict[str, int] = {}
        for call in self.calls:
            if call.throttled:
                counts[call.service] = counts.get(call.service, 0) + 1
        return dict(sorted(counts.items()))

    def summary(self) -> dict:
        return {
            "total": len(self.answered),
            "reads": len(self.reads),
            "writes": len(self.writes),
            "throttled": len(self.calls) - len(self.answered),
        }


def _post(url: str) -> None:
    with urllib.request.urlopen(urllib.request.Request(url, method="POST", data=b""), timeout=10):
        pass


@contextlib.contextmanager
def record_calls(emulator_url: str):
    log = CallLog()
    base = f"{emulator_url}/moto-api/recorder"
    _post(f"{base}/reset-recording")
    _post(f"{base}/start-recording")
    try:
        yield log
    finally:
        _post(f"{base}/stop-recording")
        with urllib.request.urlopen(f"{base}/download-recording", timeout=30) as response:
            text = response.read().decode()
        _post(f"{base}/reset-recording")
        log.calls.extend(Call(**json.loads(line)) for line in text.splitlines() if line.strip())
