"""Renke's analysis: approval estimates and the certification verdict.

A plain library (numpy, scipy, pandas in; frozen dataclasses out). It never imports
Flask, SQLAlchemy or `surveyapp`.
"""
