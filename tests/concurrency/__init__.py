"""Concurrent requests of one athlete, of two athletes, and account deletion."""
