"""教育质量 (办法 第八条; SPEC §2.3): 9 items from the county file, all must pass.

Item 9 (国家义务教育质量监测) is entered per subject as 9.k: 值 is the subject's 校际差异率
(< 0.15) and 判定 decides the III 级以上 part; both must hold. A plain 9 row (or a 9.k row)
with 不适用 and a 说明 covers a county sampled in neither the national nor the provincial
monitoring of the cycle (the standard's ``not_applicable = "declared"``).
"""

from __future__ import annotations

from collections.abc import Sequence

from analysis.county import QUALITY, CountyFile
from analysis.items import AspectResult, all_pass, assess_county_item, item_reasons
from analysis.schools import School
from analysis.standards import Standard

ASPECT = "教育质量"


def assess_quality(
    county: CountyFile | None, standard: Standard, schools: Sequence[School] | None = None
) -> AspectResult:
    """教育质量 (办法 第八条): every item, with the reasons for each failing or missing one.

    Item 4 applies to every school: its 值 is the lowest school's share (the template says
    "填各校中的最低值"; the schools file has no column for it, SPEC §3).
    """
    items = [
        assess_county_item(spec, county, QUALITY, standard, schools) for spec in standard.quality
    ]
    reasons = [reason for item in items for reason in item_reasons(ASPECT, item)]
    return AspectResult(
        name=ASPECT,
        passed=all_pass([item.passed for item in items]),
        items=tuple(items),
        reasons=tuple(reasons),
        missing=tuple(item.id for item in items if item.passed is None),
    )
