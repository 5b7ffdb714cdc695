"""Catalogues and plain records every layer shares: outcomes, statuses, the requests
and results that pass between the core and storage. Imports nothing from callcoach."""
