"""Plain helpers for the suite (no fixtures): loaders, server, impersonation, catalog."""
