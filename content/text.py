"""Text that can reach every output: pages, feeds (XML), screens, the API.

C0 control characters other than tab, newline and carriage return have no place in a title or a
summary, and XML 1.0 cannot carry them at all (one in a title used to make every feed answer
500). They are refused where text comes in: the admin's page form and the importer.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def control_characters_problem(value):
    """Why ``value`` cannot be stored (it holds a control character), or None."""
    found = CONTROL_CHARACTERS.search(value) if isinstance(value, str) else None
    if found is None:
        return None
    return _("含有不可见的控制字符 U+%(code)04X，请删除后再提交") % {"code": ord(found.group())}


def reject_control_characters(value):
    problem = control_characters_problem(value)
    if problem:
        raise ValidationError(problem, code="control_characters")


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def control_characters_problems(values):
    """{name: why} for each of ``values`` (text, or JSON-like data such as a stream's) that
    holds a control character."""
    problems = {}
    for name, value in values.items():
        for text in _strings(value):
            if problem := control_characters_problem(text):
                problems[name] = problem
                break
    return problems
