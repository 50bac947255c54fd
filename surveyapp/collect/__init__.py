"""The respondent's path: scan a QR link, answer, submit (the hot path)."""
