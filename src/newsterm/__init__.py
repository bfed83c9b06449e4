"""newsterm: a terminal reader and archive browser for folders of Markdown posts."""

__version__ = "0.1.0"
