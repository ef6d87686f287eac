"""Roster pages: list, import, a person's page with history and study hours."""
