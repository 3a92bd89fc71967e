"""The app's entry scripts inside the installed package (``brugerblik-app``): a folder of their own,
because `streamlit run FILE` puts FILE's folder first on sys.path — here nothing else is in it."""
