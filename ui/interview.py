"""Page: one interview, section by section (URL: /interview?iv=<id>&afsnit=<section>)."""
from ui.interview_view import main

main()
