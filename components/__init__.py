"""Reusable Streamlit widgets and cached data access for the pages."""
