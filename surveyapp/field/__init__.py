"""In the field: posters, share cards, interviewer (代填) and paper (纸质) entry."""
