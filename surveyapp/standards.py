"""The standard an assessment is judged by (SPEC §2.6), looked up once per process.

A standard is a file in the package (`yunnan-2022`, `national-2017`) or one an official
wrote; every page, upload and response of an assessment reads it through here.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Protocol

from analysis.schemes import Scheme, load_scheme
from analysis.standards import Standard, load_standard


class JudgedByStandard(Protocol):
    """An assessment, as a model or as the respondent's path reads it."""

    @property
    def standard(self) -> str: ...


@lru_cache(maxsize=8)
def standard_for(name: str) -> Standard:
    """The standard named ``name`` (an assessment's ``standard``), read once."""
    return load_standard(name)


def scheme_for(assessment: JudgedByStandard) -> Scheme:
    """The assessment's approval scheme (SPEC §4), from its standard."""
    return load_scheme(standard_for(assessment.standard).approval.scheme)
