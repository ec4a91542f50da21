# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: text_table
short_description: Lay out a list of dictionaries as an aligned text table
version_added: 0.1.0
description:
  - Returns the table as a list of lines (a header, a rule, one line per row), which C(ansible.builtin.debug)
    prints one per line. Columns are padded to their widest cell; columns named in O(right) are right-aligned
    (figures). Floating point numbers are shown with two decimals.
options:
  _input:
    description: The rows.
    type: list
    elements: dict
    required: true
  columns:
    description: The keys to show, in order; the header is each key in capitals.
    type: list
    elements: str
    required: true
  right:
    description: Keys whose cells are right-aligned.
    type: list
    elements: str
    default: []
author:
  - TraceTrack platform team (@tracetrack)
"""

EXAMPLES = r"""
- name: Print the findings
  ansible.builtin.debug:
    msg: "{{ audit_findings | tracetrack.aws.text_table(['rule', 'resource', 'detail']) }}"
"""

RETURN = r"""
_value:
  description: The table's lines.
  type: list
  elements: str
"""

from ansible.errors import AnsibleFilterError


def _cell(value):
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def text_table(rows, columns, right=None):
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise AnsibleFilterError("text_table expects a list of dictionaries")
    if not columns:
        raise AnsibleFilterError("text_table needs the columns to show")
    right = set(right or [])
    cells = [[_cell(row.get(c, "")) for c in columns] for row in rows]
    header = [str(c).upper() for c in columns]
    widths = [max(len(r[i]) for r in cells + [header]) for i in range(len(columns))]

    def line(values):
        padded = [v.rjust(widths[i]) if columns[i] in right else v.ljust(widths[i]) for i, v in enumerate(values)]
        return "  ".join(padded).rstrip()

    return [line(header), line(["-" * w for w in widths])] + [line(r) for r in cells]


class FilterModule:
    def filters(self):
        return {"text_table": text_table}
