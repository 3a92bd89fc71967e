"""Page: Rapport: kvalitetskort, tabeller, krydstabel og downloads (URL: /rapport?gruppe=…&stedtype=…)."""
from ui.rapport_view import main

main()
