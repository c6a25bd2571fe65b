"""Shared web pieces: templates, static files, sessions, CSRF, translations."""
