"""Server entry: `streamlit run serve.py` serves app.py after warming the process up once.

Streamlit runs app.py afresh for every session and rerun; what a fresh server would otherwise
do inside its first sessions (imports, the dataset's shared reads) is done here, before it
accepts connections (components.warmup).
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import streamlit as st

from components import warmup


@asynccontextmanager
async def warm_up(_app: st.App) -> AsyncIterator[None]:
    """Warm the server up off the event loop, then serve."""
    await asyncio.to_thread(warmup.warm)
    yield


app = st.App("app.py", lifespan=warm_up)
