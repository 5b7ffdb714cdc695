"""Engine-specific SQL behind functions with plain inputs and outputs."""
