"""Analysis: what the pages show, worked out from protected frames.

Explore's breakdowns, the target finder, locality comparison and inequality indices,
trends, summaries, the business case, scenarios, overdispersion, published (aggregate)
figures and usage analytics. Every count here has come through phm.disclosure; nothing
here imports Streamlit, ingestion or the build stages (tests/unit/test_layers.py).
"""
