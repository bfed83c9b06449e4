"""The ``completions`` command: bash, zsh and fish completion scripts made by shtab from the
same argparse definitions as the command line itself (``newsterm.cli.build_parser``), so that
they never disagree with it.

Folders (``--archive``, ``--index-dir``, the reader's ``ARCHIVE``) complete as folders, files as
files, and ``show``'s ``POST`` as the paths ``newsterm list --format paths`` prints for the archive
named on the command line being typed (``--archive DIR`` before or after the command), else the
default one (``$NEWSTERM_ARCHIVE``). shtab is imported only here: no other command loads it.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

__all__ = ["SHELLS", "completion_script"]

SHELLS = ("bash", "zsh", "fish")

_FOLDERS = frozenset({"archive", "index_dir", "archive_pos"})
_FILES = frozenset({"authorized_keys", "host_key"})
POSTS_COMMAND = "newsterm list --format paths"

# One shell function per shell lists the posts: each finds ``--archive DIR`` / ``--archive=DIR``
# among the words typed so far (``~`` is the home folder; quotes are removed) and asks
# ``newsterm list`` for that archive's paths. (shtab's bash and zsh scripts complete nothing
# after an ``--option=value`` word: there only ``--archive DIR`` counts; fish takes both.)
_POSTS_FUNCTION = "_shtab_newsterm_posts"
_POSTS = {
    "bash": _POSTS_FUNCTION,
    "zsh": _POSTS_FUNCTION,
    "fish": f"({_POSTS_FUNCTION})",
    "preamble": {
        "bash": r"""
# the posts of the archive named by --archive on the line, else the default archive
_shtab_newsterm_posts() {
  local i w p archive=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=${COMP_WORDS[i]}
    if [[ $w == --archive ]]; then
      archive=${COMP_WORDS[i+1]}
    elif [[ $w == --archive=* ]]; then
      archive=${w#--archive=}
    fi
  done
  archive=${archive#[\"\']}; archive=${archive%[\"\']}; archive=${archive//\\ / }
  archive=${archive/#\~/$HOME}
  newsterm ${archive:+--archive="$archive"} list --format paths 2>/dev/null |
    while IFS= read -r p; do [[ $p == "$1"* ]] && printf '%s\n' "$p"; done
}""",
        "zsh": r"""
# the posts of the archive named by --archive on the line, else the default archive
_shtab_newsterm_posts() {
  local i archive expl
  local -a w posts
  w=(${(z)LBUFFER})
  for (( i = 1; i < ${#w}; i++ )); do
    case ${w[i]} in
      --archive) archive=${(Q)w[i+1]} ;;
      --archive=*) archive=${(Q)${w[i]#--archive=}} ;;
    esac
  done
  archive=${archive/#\~/$HOME}
  posts=(${(f)"$(newsterm ${archive:+--archive=$archive} list --format paths 2>/dev/null)"})
  _wanted posts expl post compadd -a posts
}""",
        "fish": r"""
# the posts of the archive named by --archive on the line, else the default archive
function _shtab_newsterm_posts
  set -l archive
  set -l tokens (commandline -opc)
  for i in (seq (count $tokens))
    switch $tokens[$i]
      case --archive
        if test $i -lt (count $tokens)
          set archive $tokens[(math $i + 1)]
        end
      case '--archive=*'
        set archive (string replace -- --archive= '' $tokens[$i])
    end
  end
  if test -n "$archive"
    set archive (string replace -r -- '^~' $HOME $archive)
    newsterm --archive=$archive list --format paths 2>/dev/null
  else
    newsterm list --format paths 2>/dev/null
  end
end""",
    },
}


def _mark(parser: argparse.ArgumentParser) -> None:
    """Say what each value completes to (shtab reads an action's ``complete``)."""
    import argparse

    import shtab

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                _mark(sub)
        elif action.dest in _FOLDERS:
            action.complete = shtab.DIRECTORY  # type: ignore[attr-defined]
        elif action.dest in _FILES:
            action.complete = shtab.FILE  # type: ignore[attr-defined]
        elif action.dest == "post":
            action.complete = _POSTS  # type: ignore[attr-defined]


def completion_script(parser: argparse.ArgumentParser, shell: str) -> str:
    """The completion script of ``parser`` (every command set up) for ``shell``."""
    try:
        import shtab
    except ModuleNotFoundError:  # an install from before it was a dependency
        from newsterm.errors import NewstermError

        raise NewstermError(
            "completions need shtab, which is not installed: pip install 'shtab>=1.7'"
        ) from None

    _mark(parser)
    return shtab.complete(parser, shell=shell)
