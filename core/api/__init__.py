"""The JSON API under ``/api/v1``: the same services as the pages, for integrations.

Bearer tokens authenticate it, so it is exempt from CSRF (a cross-site form cannot set an
``Authorization`` header). Errors are ``{"error": {"code", "message", "fields"}}``.
"""
