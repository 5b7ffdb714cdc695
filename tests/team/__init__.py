"""Team mode: several reps, processes and PostgreSQL."""
