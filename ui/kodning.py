"""Page: Kodning: én respondent ad gangen (URL: /kodning?r=<respondent-id>)."""
from ui.kodning_view import main

main()
