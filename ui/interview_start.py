"""Page: start a new interview, resume a draft or open a completed one."""
from ui.start_view import main

main()
