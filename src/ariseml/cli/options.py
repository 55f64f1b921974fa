"""Options and argument checks shared by several commands."""

from __future__ import annotations

import click


def fraction(name: str, upper_exclusive: float | None = None):
    """A click callback checking a fraction in [0, upper)."""

    def check(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
        if value is None:
            return value
        if value < 0 or (upper_exclusive is not None and value >= upper_exclusive):
            bound = f"[0, {upper_exclusive})" if upper_exclusive is not None else ">= 0"
            raise click.BadParameter(f"{name} must be a fraction {bound}, e.g. 0.05 for 5 %; got {value}")
        return value

    return check

output_option = click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
                             help="Output file; any format ASE writes, chosen by extension.")

format_option = click.option("--format", "file_format", default=None,
                             help="ASE format name, when the extension does not tell it.")

seed_option = click.option("--seed", type=int, default=None, help="Random seed (reproducible output).")

jobs_option = click.option("--jobs", type=click.IntRange(1), default=None,
                           help="Worker processes (default: all cores).")

device_option = click.option(
    "--device", default="cpu", show_default=True,
    help="Where the ARISE network's Monte-Carlo passes run: cpu, cuda, cuda:N (an NVIDIA GPU, with a CUDA "
         "build of PyTorch) or mps (Apple); the dropout masks are drawn on the CPU, so a seed gives the same "
         "passes everywhere.")


def precision_option(default: str):
    """--precision of the Monte-Carlo passes, ``default`` for this command."""
    return click.option(
        "--precision", type=click.Choice(["auto", "float32", "bfloat16"]), default=default, show_default=True,
        help="Number format of the network's products: bfloat16 runs them about three times as fast where the "
             "device has bfloat16 instructions (AVX512-BF16, AMX, a recent GPU), its answers closer to float32's "
             "than a second seed's; auto: bfloat16 there, float32 elsewhere.")


def minority_option(region: str):
    """--minority for a command that describes ``region`` (a box, a sphere)."""
    from ariseml.spm.grid import DEFAULT_MINORITY

    return click.option(
        "--minority", type=click.FloatRange(0, 0.5, max_open=True), default=DEFAULT_MINORITY, show_default=True,
        help=f"A species under this share of {region}'s atoms is left out of its descriptor (a few solute atoms then "
             "leave a metal a metal); 0 keeps every species, as for a whole structure.")


paper_orientation_option = click.option(
    "--paper-orientation", is_flag=True,
    help="Diffraction model only: use a finite cluster as given, with its crystal axes assumed along x, y, z "
         "(the paper's handling, to reproduce it); by default it is first turned to the crystal axes found "
         "from its atoms.")


def require_packages(packages: dict[str, str], remedy: str) -> None:
    """A usage error when an optional package (module name -> package name) is missing: which, and ``remedy``."""
    import importlib.util

    for module, package in packages.items():
        if importlib.util.find_spec(module) is None:
            raise click.UsageError(f"{package} is not installed: {remedy}")


def integers(text: str, option: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",")]
    except ValueError as error:
        raise click.BadParameter(f"give comma-separated integers, e.g. 25,50,100; got {text!r}",
                                 param_hint=option) from error
    if min(values) < 2:
        raise click.BadParameter("cluster sizes start at 2", param_hint=option)
    return values
