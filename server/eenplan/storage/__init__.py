"""Storage adapter: SQLModel tables, repositories and the unit of work (SQLite or PostgreSQL)."""
