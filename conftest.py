"""Doctests of ``flbook/`` draw with the Agg backend (no window), as the tests do."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")
