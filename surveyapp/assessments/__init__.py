"""The evaluators' side of an assessment: overview, links with QR codes, export."""
