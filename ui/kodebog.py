"""Page: Kodebog: temakoder med beskrivelse og ord, eksport."""
from ui.kodebog_view import main

main()
