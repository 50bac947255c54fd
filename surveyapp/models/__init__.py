"""Renke's tables, one module per part of the domain."""

from surveyapp.models.account import User
from surveyapp.models.agency_assignment import AgencyAssignment
from surveyapp.models.assessment import Assessment, InvalidTransition
from surveyapp.models.audit_entry import AuditEntry
from surveyapp.models.county import County, School
from surveyapp.models.datafile import DataFile
from surveyapp.models.flag_review import FlagReview
from surveyapp.models.integrity_flag import IntegrityFlag
from surveyapp.models.integrity_run import IntegrityRun
from surveyapp.models.link import CollectionLink
from surveyapp.models.monitoring_review import MonitoringReview
from surveyapp.models.paper_check import PaperCheck
from surveyapp.models.questionnaire import Questionnaire
from surveyapp.models.response import Response
from surveyapp.models.sample_exception import SampleException
from surveyapp.models.signin import SignInFailure
from surveyapp.models.special_case import SpecialCaseRecord
from surveyapp.models.summary import VerdictSummary
from surveyapp.models.verdict_freeze import VerdictFreeze

__all__ = [
    "AgencyAssignment",
    "AuditEntry",
    "Assessment",
    "CollectionLink",
    "County",
    "DataFile",
    "FlagReview",
    "IntegrityFlag",
    "IntegrityRun",
    "InvalidTransition",
    "MonitoringReview",
    "PaperCheck",
    "Questionnaire",
    "Response",
    "SampleException",
    "School",
    "SpecialCaseRecord",
    "SignInFailure",
    "User",
    "VerdictSummary",
    "VerdictFreeze",
]
