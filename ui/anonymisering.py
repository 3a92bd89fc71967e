"""Page: Anonymisering: maskeret tekst ved siden af originalen, listen over navne og steder der altid maskeres."""
from ui.anonymisering_view import main

main()
