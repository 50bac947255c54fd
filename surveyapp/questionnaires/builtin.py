"""The three built-in instruments of SPEC §2.5, in our own Chinese wording.

Each covers the content of 办法第九条 and the national invitations: 落实立德树人, 教育公平
政策, 优质资源共享, 规范办学行为, 素质教育, 考试评价制度改革, 教育质量, 减轻过重课业负担.
Item ids are unique within an assessment (社会卷 q1–q8, 校长教师卷 q9–q16, 学生卷 q17–q24),
so one export holds all three instruments side by side. The wording is copied into each
assessment, where an evaluator may edit it until the first response.
"""

from __future__ import annotations

import copy
from typing import Any

SCALE = ["满意", "比较满意", "一般", "不满意", "不了解"]

# The content points, in order; every instrument has one item for each.
TOPICS = [
    "落实立德树人",
    "教育公平政策",
    "优质资源共享",
    "规范办学行为",
    "素质教育",
    "考试评价制度改革",
    "教育质量",
    "减轻过重课业负担",
]

RESIDENCE = {
    "id": "area",
    "kind": "area",
    "text": "您（你）平时住在哪里？",
    "options": ["县城", "乡镇政府所在地（镇上、乡上）", "农村（村里）"],
    "values": {"县城": "城区", "乡镇政府所在地（镇上、乡上）": "镇区", "农村（村里）": "乡村"},
}

RESIDENT = {
    "id": "resident",
    "kind": "resident",
    "text": "您（你）是本县居民，或在本县就读、工作吗？",
    "options": ["是", "否"],
    "values": {"是": "是", "否": "否"},
}

SOCIAL_ITEMS = [
    "您对本县学校落实立德树人、重视学生思想品德和行为习惯培养的情况是否满意？",
    "您对本县义务教育公平（如就近免试入学、随迁子女和留守儿童入学、困难学生资助）是否满意？",
    "您对本县城乡学校之间、学校之间办学条件和师资差距缩小、优质教育资源共享的情况是否满意？",
    "您对本县学校规范办学（如不按考试招生、不分重点班、规范收费和课时）的情况是否满意？",
    "您对本县学校开展素质教育（体育、艺术、劳动、课外活动等）的情况是否满意？",
    "您对本县中小学考试和评价制度改革（如不按分数给学生排名、综合评价学生）的情况是否满意？",
    "您对本县义务教育的总体质量是否满意？",
    "您对本县减轻学生过重作业负担和校外培训负担的情况是否满意？",
]

STAFF_ITEMS = [
    "您对本县学校把立德树人融入教育教学全过程的情况是否满意？",
    "您对本县落实教育公平政策（就近入学、特殊群体学生保障、教师待遇保障）的情况是否满意？",
    "您对本县教师交流轮岗、集团化办学等推动优质资源共享的情况是否满意？",
    "您对本县学校依法规范办学行为的情况是否满意？",
    "您对本县学校实施素质教育、开齐开足课程的情况是否满意？",
    "您对本县考试招生和教育评价制度改革的推进情况是否满意？",
    "您对本县义务教育质量提升的情况是否满意？",
    "您对本县落实减轻学生过重课业负担要求的情况是否满意？",
]

STUDENT_ITEMS = [
    "你对学校教你们做一个有礼貌、守纪律、爱劳动的好学生，满意吗？",
    "你觉得学校对每个同学都公平对待、一视同仁，你满意吗？",
    "你对学校的教室、操场、图书、电脑等条件和老师的上课水平，满意吗？",
    "你对学校按规定的时间上课放学、不随便加课补课，满意吗？",
    "你对学校的体育课、音乐课、美术课和课外活动，满意吗？",
    "你对学校不公布考试排名、不只看分数评价同学，满意吗？",
    "你对在学校学到的知识和本领，满意吗？",
    "你对每天的作业量（不多、能按时完成），满意吗？",
]


def _items(texts: list[str], first_number: int) -> list[dict[str, Any]]:
    return [
        {
            "id": f"q{first_number + offset}",
            "kind": "item",
            "topic": topic,
            "text": text,
            "options": list(SCALE),
        }
        for offset, (topic, text) in enumerate(zip(TOPICS, texts, strict=True))
    ]


JUNIOR_GRADES = {"初一（7年级）": "7", "初二（8年级）": "8", "初三（9年级）": "9"}


def _grade_question(text: str, *, lowest: int) -> dict[str, Any]:
    """Grades ``lowest``–9, as families name them (初一 is grade 7)."""
    values = {**{f"{n}年级": str(n) for n in range(lowest, 7)}, **JUNIOR_GRADES}
    return {"id": "grade", "kind": "grade", "text": text, "options": list(values), "values": values}


BUILTIN: dict[str, dict[str, Any]] = {
    "social": {
        "title": "义务教育优质均衡发展社会认可度调查问卷（社会卷）",
        "intro": "本问卷匿名填写，不收集姓名、电话等个人信息，约需 3 分钟。请根据您的真实感受作答，谢谢！",
        "questions": [
            {
                "id": "identity",
                "kind": "identity",
                "text": "您的身份是：",
                "options": ["学生家长", "人大代表", "政协委员", "其他群众"],
                "values": {
                    "学生家长": "家长",
                    "人大代表": "人大代表",
                    "政协委员": "政协委员",
                    "其他群众": "其他群众",
                },
            },
            {
                **_grade_question("您的孩子读几年级？（有多个孩子的，按年级最高的填写）", lowest=1),
                "only_for": "家长",
            },
            RESIDENCE,
            RESIDENT,
            *_items(SOCIAL_ITEMS, 1),
        ],
    },
    "staff": {
        "title": "义务教育优质均衡发展社会认可度调查问卷（校长教师卷）",
        "intro": "本问卷匿名填写，不记录您的姓名和所在学校，约需 3 分钟。请根据您的真实感受作答，谢谢！",
        "questions": [
            {
                "id": "identity",
                "kind": "identity",
                "text": "您的身份是：",
                "options": ["校长（含副校长）", "教师"],
                "values": {"校长（含副校长）": "校长", "教师": "教师"},
            },
            RESIDENCE,
            RESIDENT,
            *_items(STAFF_ITEMS, 9),
        ],
    },
    "student": {
        "title": "义务教育优质均衡发展社会认可度调查问卷（学生卷）",
        "intro": "同学你好！这份问卷不用写名字，大约 3 分钟。请按你自己的真实想法选择，谢谢你！",
        "questions": [
            _grade_question("你读几年级？", lowest=3),
            RESIDENCE,
            RESIDENT,
            *_items(STUDENT_ITEMS, 17),
        ],
    },
}


def builtin_questionnaire(instrument: str) -> dict[str, Any]:
    """A deep copy of a built-in instrument: title, intro and questions."""
    return copy.deepcopy(BUILTIN[instrument])
