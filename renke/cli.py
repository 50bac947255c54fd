"""The `renke` command.

Subcommands are loaded lazily, by name, so that `renke analyze`, `renke verdict` and
`renke gaps` import neither Flask nor SQLAlchemy (SPEC §5): only the command that runs
is imported.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import click

# name -> "module:attribute"; the service commands live beside the app they drive.
COMMANDS: dict[str, str] = {
    "analyze": "renke.analyze_command:analyze",
    "verdict": "renke.verdict_command:verdict",
    "gaps": "renke.gaps_command:gaps",
    "serve": "surveyapp.cli:serve",
    "demo": "surveyapp.cli:demo",
    "db": "surveyapp.cli:db_group",
    "user": "surveyapp.cli:user_group",
    "county": "surveyapp.cli:county_group",
    "audit": "surveyapp.cli:audit_command",
    "assessments": "surveyapp.cli:assessments",
    "links": "surveyapp.cli:links",
    "export": "surveyapp.cli:export",
    "plan": "surveyapp.province.cli:plan_group",
    "province": "surveyapp.province.cli:province_command",
    "integrity": "surveyapp.cli:integrity",
    "backup": "surveyapp.cli:backup_command",
    "restore": "surveyapp.cli:restore_command",
    "report": "surveyapp.report.cli:report",
}


# The commands whose exit 1 means "not certified" / "not met": a crash there must
# read as input refused (2), never as a verdict (SPEC §5).
VERDICT_COMMANDS = {"analyze", "verdict", "gaps"}


#: What the analysis commands set, unless the user did, before numpy is imported (both
#: are read at import; issue 15):
ANALYSIS_ENVIRONMENT = {
    # numpy's switch for transparent huge pages on its large arrays. Where the kernel's
    # THP ``enabled`` and ``defrag`` are ``madvise`` (the benchmark machine), each huge
    # page is compacted and zeroed in the fault: 0.35 s of system time on a million
    # respondents, for no gain in a process that lives two seconds.
    "NUMPY_MADVISE_HUGEPAGE": "0",
    # OpenBLAS (numpy's and scipy's) starts a thread per core at import, 0.08 s of CPU
    # spinning; the commands' linear algebra is a few dot products.
    "OPENBLAS_NUM_THREADS": "1",
}


def _prepare_analysis_process() -> None:
    """:data:`ANALYSIS_ENVIRONMENT`, and the quick exit of :func:`run` for this process."""
    global _analysis_process
    for name, value in ANALYSIS_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    _analysis_process = True


#: Set when `analyze`, `verdict` or `gaps` is looked up: :func:`run` then ends the
#: process without the interpreter's teardown.
_analysis_process = False


def run() -> None:
    """The `renke` console script: :func:`main`, then for the analysis commands an exit
    that skips the interpreter's teardown once the answer is written.

    Arrow's reading threads (and the C++ runtime's destructors behind them) are torn
    down as the process exits; about once in 150 runs that ended in "terminate called
    without an active exception" and SIGABRT, after the answer was written — exit 134
    instead of 0 or 1, which a script reads as a crash (SPEC §5 exit codes). Flushing
    the output and leaving with ``os._exit`` skips that teardown, and the collections
    Python makes while it finalises numpy's, scipy's and pyarrow's objects (0.06 s of a
    province's 0.5 s; issue 15). Nothing of these commands runs at exit: files they
    write are closed before they return. Tests call :func:`main` (click's runner), which
    returns normally.
    """
    try:
        main()
    except SystemExit as done:
        if not _analysis_process:
            raise
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        if isinstance(done.code, str):
            print(done.code, file=sys.stderr)
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a closed pipe (`| head`): nothing more to say
                pass
        os._exit(code)


class LazyGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as error:  # a crash: name it, and never exit 1 for a verdict
            click.echo(f"出错，未完成：{type(error).__name__}: {error}", err=True)
            ctx.exit(2 if ctx.invoked_subcommand in VERDICT_COMMANDS else 1)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        if cmd_name in VERDICT_COMMANDS:
            _prepare_analysis_process()
        module_name, attribute = target.split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attribute)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="renke")
def main(**_: Any) -> None:
    """Renke 认可 — 社会认可度 survey and the 优质均衡 verdict."""
