"""formcheck web app's pages script: live webcam coaching, clip review and the exercise library.

Run:  streamlit run app.py
(app.py serves this script behind the server guards of formcheck/app/server.py;
.streamlit/config.toml binds to localhost; see the comments there for the LAN.)

This file only sets up and routes. The pages are in formcheck/app/ (live_page,
review_page, library_page, progress_page, with the shared sidebar and widgets in
widgets.py);
the logic behind them in formcheck/app/picker.py, formcheck/app/live_state.py
and formcheck/ui_helpers.py; the engine in formcheck/.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from formcheck.app import library_page, live_page, progress_page, review_page, widgets

# A local icon: an emoji icon is fetched from a CDN by the browser, and 500'd on first load.
ICON = Path(__file__).resolve().parent / "icon.png"
st.set_page_config(page_title="formcheck", page_icon=str(ICON), layout="wide")
st.markdown(widgets.CSS, unsafe_allow_html=True)

widgets.PAGES.update(
    live=st.Page(
        live_page.render,
        title="Live coaching",
        icon=":material/videocam:",
        url_path="live",
        default=True,
    ),
    review=st.Page(
        review_page.render, title="Review a clip", icon=":material/movie:", url_path="review"
    ),
    library=st.Page(
        library_page.render,
        title="Exercise library",
        icon=":material/menu_book:",
        url_path="library",
    ),
    progress=st.Page(
        progress_page.render,
        title="Progress",
        icon=":material/insights:",
        url_path="progress",
    ),
)
st.navigation(list(widgets.PAGES.values()), position="top").run()
