"""Storage: the SQLModel tables, the one place that opens databases, and migrations."""
