"""Options the analysis commands share (`analyze`, `verdict`, `gaps`), said once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

#: an input file given by path: it must exist and be a file
INPUT_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def schools_option(func: F) -> F:
    decorated: F = click.option(
        "--schools", required=True, type=INPUT_FILE, help="学校数据（CSV 或 XLSX）"
    )(func)
    return decorated


def county_option(help_text: str) -> Callable[[F], F]:
    def decorate(func: F) -> F:
        decorated: F = click.option("--county", type=INPUT_FILE, default=None, help=help_text)(func)
        return decorated

    return decorate


def standard_option(func: F) -> F:
    decorated: F = click.option(
        "--standard", default="yunnan-2022", show_default=True, help="标准名称或标准 TOML 文件"
    )(func)
    return decorated
