"""The package's own error for input a user can fix; anything else escaping a command is a bug."""

from __future__ import annotations


class InputError(ValueError):
    """Input the user can fix (a file, an option, a model path): the message says what is wrong and how to fix it.

    The ``arise`` command turns it into one line on stderr and exit code 2 (or, for one of several
    input files, a line naming that file and exit code 1 after the others are done). It is a
    ``ValueError`` so that library callers catching ``ValueError`` keep working.
    """
