"""Page: Administration: brugere (opret, roller, deaktivér, ny adgangskode) og steder."""
from ui.admin_view import main

main()
