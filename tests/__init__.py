"""The proving ground: pytest suite for migration 001 on a Supabase stand-in."""
