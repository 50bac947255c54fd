"""Quotas of an assessment, derived on read from its population (SPEC §2.5).

The planning rules live in :mod:`analysis.sampling`; this adapter feeds it what the
assessment stores.
"""

from __future__ import annotations

from surveyapp.models import Assessment


def group_quotas(assessment: Assessment) -> dict[str, int]:
    """Target valid responses per group; empty when no population is entered."""
    if not assessment.population:
        return {}
    from analysis.sampling import plan_sample

    plan = plan_sample(assessment.population, group_caps=assessment.group_caps or None)
    return dict(plan.group_quotas)
