"""The ``arise`` command group, which turns bad input into a one-line message and exit code 2."""

from __future__ import annotations

import sys
from typing import Any

import click

from ariseml import __version__
from ariseml.errors import InputError, spelled
from ariseml.prototypes import UnknownPrototypeError

EXIT_BAD_INPUT = 2


def in_option_words(error: BaseException) -> str:
    """The message of a library error with the parameters it names written as this command's options
    (`min_atoms` as --min-atoms)."""
    return spelled(error, lambda parameter: "--" + parameter.replace("_", "-"))


class AriseGroup(click.Group):
    """Turns bad input into a one-line message and exit code 2.

    Bad input is a usage error, the package's own ``InputError`` (and ``UnknownPrototypeError``), or an
    ``OSError`` (a path that cannot be read or written); any other exception is a bug and keeps its traceback.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as error:
            command = f" {ctx.invoked_subcommand}" if ctx.invoked_subcommand else ""
            click.echo(f"arise: error: {error.format_message()} (see 'arise{command} --help')", err=True)
            sys.exit(EXIT_BAD_INPUT)
        except (InputError, UnknownPrototypeError, OSError) as error:
            click.echo(f"arise: error: {in_option_words(error)}", err=True)
            sys.exit(EXIT_BAD_INPUT)


@click.group(cls=AriseGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="arise")
def main() -> None:
    """ariseml: which crystal structure, how sure, and where (ARISE, Bayesian deep learning)."""
