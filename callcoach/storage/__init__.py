"""Storage: the SQLModel tables, the one place that opens databases (``db``, with ``urls``,
``engine``, ``stall``, ``schema``, ``raw`` and ``backup`` beside it), the hot paths' SQL
(``sql``) and migrations. Never imports the core."""
