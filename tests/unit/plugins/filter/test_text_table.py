"""tracetrack.aws.text_table: aligned text tables for debug output."""

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.tracetrack.aws.plugins.filter.text_table import text_table


def test_columns_are_padded_and_figures_right_aligned():
    rows = [{"service": "RDS", "monthly": 12.5}, {"service": "ElastiCache", "monthly": 1234.0}]
    assert text_table(rows, ["service", "monthly"], right=["monthly"]) == [
        "SERVICE       MONTHLY",
        "-----------  --------",
        "RDS             12.50",
        "ElastiCache  1,234.00",
    ]


def test_an_empty_table_has_its_header():
    assert text_table([], ["rule"]) == ["RULE", "----"]


@pytest.mark.parametrize("rows, columns", [("x", ["a"]), ([1], ["a"]), ([{"a": 1}], [])])
def test_bad_input_is_refused(rows, columns):
    with pytest.raises(AnsibleFilterError):
        text_table(rows, columns)
