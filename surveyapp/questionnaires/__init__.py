"""The built-in questionnaires (SPEC §2.5), as data."""
