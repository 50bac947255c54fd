"""The `renke` command line: one entry point for the analysis and the service."""
