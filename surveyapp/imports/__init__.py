"""Uploads of the schools and county files (SPEC §3), kept in versions for audit."""
