"""The admin of calls for practices (filled by the submissions work)."""
