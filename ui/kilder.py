"""Page: Kilder: alle kilder om én respondent side om side, og Bilag C's årsager (URL: /kilder?r=<respondent-id>)."""
from ui.kilder_view import main

main()
