"""Page: Citatbank: søg, filtrér, markér til rapporten, kod og eksportér citater."""
from ui.citatbank_view import main

main()
