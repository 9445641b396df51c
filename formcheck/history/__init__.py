"""The history: every set saved as it happens, on this machine (SQLite), its progress
over weeks and a report for the physio.

- :mod:`formcheck.history.store`: the database file, its schema and migrations.
- :mod:`formcheck.history.recorder`: a sink of the engine's result stream that writes it.
- :mod:`formcheck.history.query`: what was done, folded for the progress page and report.
- :mod:`formcheck.history.report`: the physio report (PDF and HTML).
"""

from formcheck.history.recorder import HistoryRecorder, SetSink
from formcheck.history.store import HistoryError, HistoryStore, default_path

__all__ = ["HistoryError", "HistoryRecorder", "HistoryStore", "SetSink", "default_path"]
