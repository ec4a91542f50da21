"""tracetrack.aws.cloudwatchlogs_log_events_info: every page of a stream, oldest first; a missing stream is no failure."""

from unittest.mock import MagicMock

from ansible_collections.tracetrack.aws.plugins.modules import cloudwatchlogs_log_events_info
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import client_error, fake_module


def pages(*batches):
    """GetLogEvents answers: each batch with the next token, then an empty page that repeats the last token."""
    answers, token = [], None
    for index, batch in enumerate(batches):
        token = f"f/{index}"
        answers.append({"events": [{"message": m} for m in batch], "nextForwardToken": token})
    answers.append({"events": [], "nextForwardToken": token})
    return answers


def test_reads_every_page_oldest_first():
    client = MagicMock()
    client.get_log_events.side_effect = pages(["one", "two"], ["three"])
    messages = cloudwatchlogs_log_events_info.read_messages(client, fake_module(), "/ecs/app", "web/web/1", 1000)
    assert messages == ["one", "two", "three"]
    assert client.get_log_events.call_args_list[1].kwargs["nextToken"] == "f/0"


def test_limit_keeps_the_newest():
    client = MagicMock()
    client.get_log_events.side_effect = pages(["one", "two", "three"])
    assert cloudwatchlogs_log_events_info.read_messages(client, fake_module(), "/ecs/app", "web/web/1", 2) == ["two", "three"]


def test_a_missing_stream_is_none():
    client = MagicMock()
    client.get_log_events.side_effect = client_error("ResourceNotFoundException")
    assert cloudwatchlogs_log_events_info.read_messages(client, fake_module(), "/ecs/app", "web/web/1", 10) is None
