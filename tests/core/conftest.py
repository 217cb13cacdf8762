"""Fixtures shared by tests under tests/core: ``install`` (a throw-away plugin with the given
hook implementations, defined with the hook tests) for the queue and delivery tests."""

from tests.core.test_hooks import install  # noqa: F401 - re-exported as a fixture
