"""Core's own hook implementations, one module per feature, registered before any plugin.

Core uses the same hooks a plugin does (DESIGN.md): ``shell`` (sign-in, health, roles, holds),
``admin`` (organisation, users, roles, tokens, audit), ``desk_api`` (the service desk's
permissions and JSON API), ``desk_pages`` (its pages, menu, widgets and timeline) and
``imports`` (bulk import). ``core.plugins.CORE_HOOK_MODULES`` lists them in order.
"""
