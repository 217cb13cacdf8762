"""Core pages and endpoints, one module per area."""
