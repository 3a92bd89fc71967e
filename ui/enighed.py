"""Page: Enighed: blind dobbeltkodning, kappa og alpha, afklaring."""
from ui.enighed_view import main

main()
