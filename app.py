"""Brugerblik — Streamlit entry point. Pages stay thin; logic lives in survey/, coding/, exports/."""
import streamlit as st

st.set_page_config(page_title="Brugerblik", page_icon="📋", layout="wide")
st.title("Brugerblik")
st.write("Kvalitative brugerundersøgelser af sociale tilbud. Interviewsiderne kommer i næste trin.")
