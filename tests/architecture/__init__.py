"""Layer rules and import costs."""
