"""Streamlit pages and their shared widgets. Pages stay thin: the logic is in survey/."""
