"""PHM Vaccination Uptake Explorer: the domain package (never imports Streamlit)."""
