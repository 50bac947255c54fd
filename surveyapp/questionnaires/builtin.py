"""The three built-in instruments of SPEC §2.5, in our own Chinese wording.

Each covers the content of 办法第九条 and the national invitations, one item per point
(:data:`TOPICS`). The wording rules of SPEC §2.5: every item asks one thing, in words a
rural grandparent (or, on the 学生卷, a pupil of nine) understands, with a short example
line (``hint``) under a term that cannot be avoided; nothing leading or presupposing; the
county named ("砚山县", never 本县) and, on policy items, its government
("砚山县人民政府及有关部门", as 第九条 says) as the actor. The texts here are templates:
``{county}`` and ``{government}`` are filled with the assessment's county when the
questionnaire is created (:func:`builtin_questionnaire`). docs/questionnaires.md gives each
item's final wording, its point of 第九条 and what changed from the first release.

Item ids are unique within an assessment (社会卷 q1–q8, 校长教师卷 q9–q16, 学生卷 q17–q24),
so one export holds all three instruments side by side. The wording is copied into each
assessment, where an evaluator may edit it until the first response.

Question data (read by :mod:`surveyapp.collect.forms`): ``id``, ``kind`` (identity, grade,
area, resident or item), ``text``, optional ``hint`` (the example line), ``options``,
``values`` (screening questions: option -> what is stored; "" stores nothing),
``only_for`` (a group or a list of groups the question is asked of), ``note`` (shown
beside the question instead of who must answer it) and ``screen_out``
(option -> the kind message shown instead of accepting the form).
"""

from __future__ import annotations

import copy
from typing import Any

from analysis.schemes import DEFAULT_SCALE
from analysis.vocabulary import OUTSIDE, RESIDENCES

SCALE = list(DEFAULT_SCALE)

# The content points of 第九条 and the national invitations, in the seed's words, in order;
# every instrument has one item for each.
TOPICS = [
    "落实立德树人",
    "教育公平政策",
    "优质资源共享",
    "规范办学行为",
    "素质教育",
    "考试评估制度改革",
    "教育质量",
    "减轻过重课业负担",
]

COUNTY = "{county}"
GOVERNMENT = "{government}"

STAFF_MESSAGE = (
    "谢谢您！学校的校长和老师请填写“校长教师卷”，这份问卷不用填。"
    "校长教师卷的链接或二维码，请向学校或{county}教育部门索取。"
)
YOUNG_PUPIL_MESSAGE = "谢谢你！这份问卷请三年级到初三的同学填写，你不用填。"


def _residence(text: str, hint: str, outside: str) -> dict[str, Any]:
    """Where the respondent lives, in plain words; classed by the county's kind on submit."""
    labels = ["县城（市区）", "镇上（镇政府所在地）", "乡上（乡政府所在地）", "村里", outside]
    return {
        "id": "area",
        "kind": "area",
        "text": text,
        "hint": hint,
        "options": labels,
        "values": dict(zip(labels, (*RESIDENCES, OUTSIDE), strict=True)),
    }


ADULT_RESIDENCE_HINT = (
    "住在镇上或乡上的街上，选“镇上”或“乡上”；住在村子里（包括村委会所在的村子），选“村里”。"
)


def _resident(
    text: str, *, only_for: list[str] | None = None, note: str | None = None
) -> dict[str, Any]:
    question: dict[str, Any] = {
        "id": "resident",
        "kind": "resident",
        "text": text,
        "options": ["是", "否"],
        "values": {"是": "是", "否": "否"},
    }
    if only_for:
        question["only_for"] = only_for
    if note:
        question["note"] = note  # shown instead of the list of groups that must answer
    return question


JUNIOR_GRADES = {"初一（7年级）": "7", "初二（8年级）": "8", "初三（9年级）": "9"}


def _grades(lowest: int) -> dict[str, str]:
    """Grades ``lowest``–9 as families name them (初一 is grade 7): option -> grade."""
    return {**{f"{n}年级": str(n) for n in range(lowest, 7)}, **JUNIOR_GRADES}


SOCIAL_ITEMS = [
    (
        f"您对{COUNTY}的学校品德教育满意吗？",
        "品德教育：教孩子诚实、懂礼貌、守规矩、爱劳动、爱国家。",
    ),
    (
        f"您对{GOVERNMENT}让孩子们公平上学的工作满意吗？",
        "有关部门：比如县里管教育的部门。公平上学：比如在家附近上学、不用考试；"
        "外地来的孩子、留守儿童、家里困难的孩子、残疾孩子都能上学。",
    ),
    (
        f"您对{GOVERNMENT}让各个学校的孩子都能上到好课的工作满意吗？",
        "比如：老师到别的学校上课，孩子在网上听别的学校老师讲课。",
    ),
    (
        f"您对{COUNTY}的学校按规定办学的情况满意吗？",
        "按规定办学：比如不分重点班、快慢班，不乱收费，不随便加课、补课。",
    ),
    (
        f"您对{COUNTY}的学校上体育、音乐、美术、劳动等课的情况满意吗？",
        "比如：这些课有没有按课表上，会不会被语文、数学课占掉。",
    ),
    (
        f"您对{COUNTY}的学校考试和评比学生的做法满意吗？",
        "比如：考试多不多，公不公布分数排名，评价学生是不是只看分数。",
    ),
    (
        f"您对{COUNTY}的小学、初中的教学质量满意吗？",
        "比如：孩子在学校学到的知识和本领。",
    ),
    (
        f"您对{COUNTY}的学校给孩子布置的作业量满意吗？",
        "比如：作业多不多，孩子晚上能不能按时睡觉。",
    ),
]

STAFF_ITEMS = [
    (
        f"您对{COUNTY}的学校落实立德树人的情况满意吗？",
        "立德树人：品德教育，比如德育课程、行为习惯养成、理想信念教育。",
    ),
    (
        f"您对{GOVERNMENT}落实教育公平政策的情况满意吗？",
        "比如：就近免试入学，随迁子女、留守儿童、残疾儿童入学，家庭经济困难学生资助。",
    ),
    (
        f"您对{GOVERNMENT}推动学校之间共享优质教育资源的情况满意吗？",
        "比如：教师交流轮岗、集团化办学、城乡学校结对、线上共享课程。",
    ),
    (
        f"您对{COUNTY}的学校规范办学行为的情况满意吗？",
        "比如：免试就近招生、均衡编班、按课程方案开课、规范收费。",
    ),
    (
        f"您对{COUNTY}的学校实施素质教育的情况满意吗？",
        "比如：开齐开足体育、艺术、劳动课程，课后服务和课外活动。",
    ),
    (
        f"您对{COUNTY}的学校考试评估制度改革的情况满意吗？",
        "比如：考试次数、是否公布成绩排名、学生综合素质评价。",
    ),
    (
        f"您对{COUNTY}义务教育的质量满意吗？",
        "义务教育：小学和初中。",
    ),
    (
        f"您对{COUNTY}的学校落实“减轻学生过重课业负担”要求的情况满意吗？",
        "比如：控制作业总量和时长，不占用休息时间补课。",
    ),
]

STUDENT_ITEMS = [
    (
        "你对学校的品德教育满意吗？",
        "品德教育：老师教你们诚实、有礼貌、守纪律、爱劳动。",
    ),
    (
        f"你对{GOVERNMENT}帮助家里困难的同学上学的做法满意吗？",
        "有关部门：管学校的政府部门。比如：发补助、学校的营养午餐。",
    ),
    (
        f"你对{GOVERNMENT}让你们能听到别的学校老师讲课的安排满意吗？",
        "有关部门：管学校的政府部门。比如：别的学校的老师来上课，或者在电脑、电视上听课。",
    ),
    (
        "你对学校周末和假期的安排满意吗？",
        "比如：周末、假期要不要到学校补课、上新课。",
    ),
    (
        "你对学校的体育、音乐、美术、劳动这些课满意吗？",
        "比如：这些课有没有按课表上，上课能不能学到东西。",
    ),
    (
        "你对学校评“好学生”的做法满意吗？",
        "比如：是不是只看考试分数，考试多不多。",
    ),
    (
        "你对老师上课教你们的情况满意吗？",
        "比如：听不听得懂，能不能学到知识和本领。",
    ),
    (
        "你对老师每天布置的作业量满意吗？",
        "比如：作业多不多，晚上能不能按时睡觉，有没有时间玩。",
    ),
]


def _items(texts: list[tuple[str, str]], first_number: int) -> list[dict[str, Any]]:
    return [
        {
            "id": f"q{first_number + offset}",
            "kind": "item",
            "topic": topic,
            "text": text,
            "hint": hint,
            "options": list(SCALE),
        }
        for offset, (topic, (text, hint)) in enumerate(zip(TOPICS, texts, strict=True))
    ]


PARENT_OPTION = "学生家长"
STAFF_OPTION = "学校的校长或老师"
OTHERS_OPTION = "其他群众"

SOCIAL_IDENTITY = {
    "id": "identity",
    "kind": "identity",
    "text": "您是下面哪一种人？",
    "hint": (
        f"学生家长：孩子正在{COUNTY}读小学、初中或特殊教育学校的父母，以及平时照顾孩子的"
        "爷爷奶奶、外公外婆等监护人，不论您住在哪里。"
        f"孩子不在{COUNTY}读小学、初中或特殊教育学校的，请选“其他群众”。"
        "学校的校长、老师请不要填这份，请填“校长教师卷”。"
    ),
    "options": [PARENT_OPTION, "人大代表", "政协委员", OTHERS_OPTION, STAFF_OPTION],
    "values": {
        PARENT_OPTION: "家长",
        "人大代表": "人大代表",
        "政协委员": "政协委员",
        OTHERS_OPTION: "其他群众",
        STAFF_OPTION: "",
    },
    "screen_out": {STAFF_OPTION: STAFF_MESSAGE},
}

SPECIAL_SCHOOL_OPTION = "孩子在特殊教育学校，不分年级"
SPECIAL_PUPIL_OPTION = "在特殊教育学校，不分年级"
YOUNG_PUPIL_OPTION = "1年级或2年级"

BUILTIN: dict[str, dict[str, Any]] = {
    "social": {
        "title": f"{COUNTY}义务教育优质均衡发展社会认可度调查问卷（社会卷）",
        "intro": (
            f"这份问卷了解您对{COUNTY}小学、初中教育的看法。不用写名字和电话，大约 3 分钟。"
            "请按您自己的真实感受选择；不清楚的，选“不了解”。谢谢您！"
        ),
        "questions": [
            SOCIAL_IDENTITY,
            {
                "id": "grade",
                "kind": "grade",
                "text": "您的孩子读几年级？",
                "hint": "有几个孩子在读的，请按年级最高的那个孩子选。",
                "options": [*_grades(1), SPECIAL_SCHOOL_OPTION],
                "values": {**_grades(1), SPECIAL_SCHOOL_OPTION: ""},
                "only_for": "家长",
            },
            _resident(
                f"您平时住在{COUNTY}，或者在{COUNTY}上班吗？",
                only_for=["人大代表", "政协委员", "其他群众"],
                note="学生家长不用答这一题",
            ),
            _residence("您平时住在哪里？", ADULT_RESIDENCE_HINT, f"不住在{COUNTY}"),
            *_items(SOCIAL_ITEMS, 1),
        ],
    },
    "staff": {
        "title": f"{COUNTY}义务教育优质均衡发展社会认可度调查问卷（校长教师卷）",
        "intro": (
            f"这份问卷请在{COUNTY}的小学、初中和特殊教育学校工作的校长、教师填写，"
            "不记录您的姓名和所在学校，大约 3 分钟。请按您的真实感受作答，谢谢！"
        ),
        "questions": [
            {
                "id": "identity",
                "kind": "identity",
                "text": "您的身份是：",
                "options": ["校长（含副校长）", "教师"],
                "values": {"校长（含副校长）": "校长", "教师": "教师"},
            },
            _resident(f"您在{COUNTY}的学校工作吗？"),
            _residence("您平时住在哪里？", ADULT_RESIDENCE_HINT, f"不住在{COUNTY}"),
            *_items(STAFF_ITEMS, 9),
        ],
    },
    "student": {
        "title": f"{COUNTY}义务教育优质均衡发展社会认可度调查问卷（学生卷）",
        "intro": (
            "同学你好！这份问卷不用写名字，大约 3 分钟。请按你自己的真实想法选择，"
            "没有对错；不知道的，选“不了解”。谢谢你！"
        ),
        "questions": [
            {
                "id": "grade",
                "kind": "grade",
                "text": "你读几年级？",
                "options": [*_grades(3), SPECIAL_PUPIL_OPTION, YOUNG_PUPIL_OPTION],
                "values": {**_grades(3), SPECIAL_PUPIL_OPTION: "", YOUNG_PUPIL_OPTION: ""},
                "screen_out": {YOUNG_PUPIL_OPTION: YOUNG_PUPIL_MESSAGE},
            },
            _resident(f"你在{COUNTY}的学校上学吗？"),
            _residence(
                "你家住在哪里？",
                "不知道的，可以问问老师或家里人。",
                f"家不在{COUNTY}",
            ),
            *_items(STUDENT_ITEMS, 17),
        ],
    },
}


def _filled(value: Any, county: str) -> Any:
    """The template with {county} and {government} filled, keys included."""
    if isinstance(value, str):
        return value.replace(GOVERNMENT, f"{county}人民政府及有关部门").replace(COUNTY, county)
    if isinstance(value, list):
        return [_filled(element, county) for element in value]
    if isinstance(value, dict):
        return {_filled(key, county): _filled(element, county) for key, element in value.items()}
    return copy.deepcopy(value)


def builtin_questionnaire(instrument: str, county: str) -> dict[str, Any]:
    """A built-in instrument (title, intro, questions) worded for ``county`` (e.g. 砚山县)."""
    filled: dict[str, Any] = _filled(BUILTIN[instrument], county)
    return filled
