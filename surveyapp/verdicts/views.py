from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template

from surveyapp import db
from surveyapp.assessments.views import load_assessment
from surveyapp.auth import login_required
from surveyapp.verdicts.services import assessment_verdict

blueprint = Blueprint("verdicts", __name__)


@blueprint.get("/a/<int:assessment_id>/verdict")
@login_required
def verdict(assessment_id: int) -> str:
    assessment = load_assessment(assessment_id)
    result = assessment_verdict(db.session(), assessment)
    return render_template(
        "verdicts/verdict.html", assessment=assessment, result=result, now=db.utcnow()
    )


@blueprint.get("/a/<int:assessment_id>/verdict.json")
@login_required
def verdict_json(assessment_id: int) -> Response:
    assessment = load_assessment(assessment_id)
    result = assessment_verdict(db.session(), assessment)
    body = (
        result.verdict.to_dict()
        if result.verdict
        else {"certified": False, "missing": result.missing}
    )
    return jsonify(body)
