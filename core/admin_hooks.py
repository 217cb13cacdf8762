"""Core's administration pages (organisation, users, roles, API tokens, audit log): their
permissions, routes and menu entries."""
