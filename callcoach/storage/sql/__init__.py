"""Engine-specific SQL behind functions with plain inputs and outputs: the call and dial
hot paths, the queue's reservation, contact conditions and report pieces."""
