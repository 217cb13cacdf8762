"""ASGI entry for multi-worker serving: ``uvicorn core.asgi:app``; settings from the
environment / ``AFTERSALES_CONFIG``."""

from core.app import create_app
from core.settings import load_settings

app = create_app(load_settings())
