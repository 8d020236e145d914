"""Row level security: the access matrix, cross-tenant attacks and the advisor lints."""
