"""Page: Historik: en respondents fulde revisionsspor, kun til læsning (URL: /historik?r=<respondent-id>)."""
from ui.historik_view import main

main()
