"""Page: Transskriptioner: import, segmenter, forslag og kodning (URL: /transskriptioner?r=<respondent-id>)."""
from ui.transskriptioner_view import main

main()
