"""Demo: the bundled demo contacts, a made-up team's history, and first-run seeding."""
