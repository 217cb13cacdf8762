"""Core's administration pages: organisation, users, roles, API tokens and the audit log."""
