"""Ships the top-level templates/ and migrations/ inside the surveyapp package.

STYLE.md keeps them at the top of the repository; a non-editable `pip install .`
must still carry them (SPEC §6). surveyapp looks beside itself first, then in the
checkout (see surveyapp.templates_path and surveyapp.db.migrations_path).
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED = ("templates", "migrations")


class BuildWithSharedFolders(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for folder in SHIPPED:
            shutil.copytree(
                ROOT / folder,
                Path(self.build_lib) / "surveyapp" / folder,
                dirs_exist_ok=True,
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
            )


setup(cmdclass={"build_py": BuildWithSharedFolders})
