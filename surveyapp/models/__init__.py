"""Renke's tables, one module per part of the domain."""

from surveyapp.models.account import User
from surveyapp.models.assessment import Assessment, InvalidTransition
from surveyapp.models.county import County, School
from surveyapp.models.datafile import DataFile
from surveyapp.models.link import CollectionLink
from surveyapp.models.questionnaire import Questionnaire
from surveyapp.models.response import Response
from surveyapp.models.signin import SignInFailure

__all__ = [
    "Assessment",
    "CollectionLink",
    "County",
    "DataFile",
    "InvalidTransition",
    "Questionnaire",
    "Response",
    "School",
    "SignInFailure",
    "User",
]
