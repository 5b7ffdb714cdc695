"""The domain core: the method's rules. Never imports Textual (a test checks)."""
