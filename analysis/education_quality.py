"""教育质量 (办法 第八条; SPEC §2.3): 9 items from the county file, all must pass.

Item 9 (国家义务教育质量监测) is entered per subject as 9.k: 值 is the subject's 校际差异率
(< 0.15) and 判定 decides the III 级以上 part; both must hold. A plain 9 row with 不适用 (and
a 说明) covers a county not sampled in the monitoring cycle.
"""

from __future__ import annotations

from analysis.county import QUALITY, CountyFile
from analysis.items import AspectResult, all_pass, assess_county_item, item_reasons
from analysis.standards import Standard

ASPECT = "教育质量"


def assess_quality(county: CountyFile | None, standard: Standard) -> AspectResult:
    """教育质量 (办法 第八条): every item, with the reasons for each failing or missing one."""
    items = [assess_county_item(spec, county, QUALITY, standard) for spec in standard.quality]
    reasons = [reason for item in items for reason in item_reasons(ASPECT, item)]
    return AspectResult(
        name=ASPECT,
        passed=all_pass([item.passed for item in items]),
        items=tuple(items),
        reasons=tuple(reasons),
        missing=tuple(item.id for item in items if item.passed is None),
    )
