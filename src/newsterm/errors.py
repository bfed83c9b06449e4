"""Errors the fronts turn into one clear line and a non-zero exit."""


class NewstermError(Exception):
    """Base class: ``str(err)`` is a one-line message for the user; ``exit_code`` the status."""

    exit_code = 2


class ArchiveError(NewstermError):
    """The archive folder is missing, unreadable, or a post named by the user is not in it."""


class QueryError(NewstermError):
    """A search query that cannot be understood."""


class IndexBusyError(NewstermError):
    """Another process holds the index writer lock."""
