"""Behaviour tests: constraints, foreign keys, deletion stories, soft delete, triggers, links."""
