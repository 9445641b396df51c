"""formcheck web app: live webcam coaching, clip review and the exercise library.

Run:  streamlit run app.py
(.streamlit/config.toml binds to localhost; see the comments there for the LAN.)

This file starts the server; the pages script is formcheck/app/main.py. Streamlit finds
``app = st.App(...)`` below and serves that script with the guards of
formcheck/app/server.py in front of every route from the first request: requests for
another host name are refused (DNS rebinding), nothing is looked up on the internet, and
uploads a killed server left behind are removed at start.
"""

from __future__ import annotations

import streamlit as st
from starlette.middleware import Middleware

from formcheck.app import server

server.stay_offline()  # before anything could look an address up

app = st.App(server.PAGES, middleware=[Middleware(server.HostGuard)], lifespan=server.lifespan)
