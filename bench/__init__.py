"""The benchmark of the catalogue on PostgreSQL (see bench/README.md)."""
