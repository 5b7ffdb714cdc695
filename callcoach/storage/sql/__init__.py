"""The SQL of callcoach's hot paths, behind functions with plain inputs and outputs."""
