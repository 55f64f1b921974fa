"""The package's own errors: what it raises on purpose. Anything else escaping a command is a bug."""

from __future__ import annotations

from collections.abc import Callable


class AriseError(Exception):
    """The base of every error ariseml raises on purpose."""


class InputError(AriseError, ValueError):
    """Input the user can fix (a file, a setting, a model path): the message says what is wrong and how to fix it.

    ``parameters`` are the Python parameters the message names, each written in backticks (`box`); the
    ``arise`` command shows them as its options (--box) and turns the error into one line on stderr and
    exit code 2 (or, for one of several input files, a line naming that file and exit code 1 after the
    others are done). It is a ``ValueError`` so that callers catching ``ValueError`` keep working.
    """

    def __init__(self, message: str, *parameters: str) -> None:
        super().__init__(message)
        self.parameters = parameters


def spelled(error: BaseException, spelling: Callable[[str], str]) -> str:
    """The message of ``error`` with each parameter it names (`name`) written as ``spelling(name)``."""
    message = str(error)
    for parameter in getattr(error, "parameters", ()):
        message = message.replace(f"`{parameter}`", spelling(parameter))
    return message
