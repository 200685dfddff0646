"""Decisions: credential verification, eligibility, credit standing; functions of model objects and a time."""
