"""The store's refusals (Danish messages fit to show the user), at the bottom so every layer can
raise and catch them without importing the services above."""
from __future__ import annotations


class StoreError(ValueError):
    """A refused change, with a message fit to show the user."""


class RespondentIdTaken(StoreError):
    """The respondent id is in use (for a generated id: another interview took it a moment ago)."""


class PrivacyError(StoreError):
    """A refused withdrawal, deletion or retention action; the message is Danish."""


class WithdrawnError(PrivacyError):
    """New data about a respondent who has withdrawn consent for that purpose (Danish message)."""


class AuthError(StoreError):
    """A refused login or a refused action; the message is Danish and safe to show (`survey.auth`)."""


class ReadOnlyStoreError(StoreError):
    """The store cannot be written: a read-only file (mode 0444, a read-only medium) or a database user
    who may only read (`survey.db.is_read_only`). Danish; names no data."""

    MESSAGE = ("Databasen kan ikke skrives: den er skrivebeskyttet (en databasefil uden skriveret eller en "
               "databasebruger, der kun må læse). Intet er ændret. Det, der kun læser — tabeller, rapporten og "
               "eksporter til en mappe, du kan skrive i — virker; det, der skal gemmes, kræver skriveret. "
               "Bed administratoren om skriveret til databasen.")

    def __init__(self, message: str | None = None):
        super().__init__(message or self.MESSAGE)


class SchemaError(RuntimeError):
    """The store's schema cannot be used by this version of Brugerblik (Danish message; `survey.db`)."""


class BackupError(RuntimeError):
    """A backup could not be made (Danish message; `survey.db`)."""
