"""Built-in plugins; each is discovered through the ``aftersales.plugins`` entry point group."""
