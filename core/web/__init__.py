"""The web layer: routing with auth, CSRF and scope in one wrapper; templates; pages."""
