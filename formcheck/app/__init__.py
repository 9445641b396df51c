"""The Streamlit app: one module per page, shared widgets, and the logic behind them.

``app.py`` (what ``streamlit run`` starts) serves :mod:`.main`, which only sets up
and routes, behind the guards of :mod:`.server`; :mod:`.scratch` holds uploads. The
pages (:mod:`.live_page`, :mod:`.review_page`, :mod:`.library_page`) and the
shared widgets (:mod:`.widgets`) import streamlit; the logic behind them lives
in modules that don't and are tested directly: :mod:`.picker` (the grouped
exercise picker), :mod:`.live_state` (a browser session's live set) and
:mod:`formcheck.ui_helpers` (text, tables and the timeline plot).
"""
