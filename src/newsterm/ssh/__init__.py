"""``newsterm serve``: the archive reader over SSH (asyncssh)."""

import warnings

# cryptography 51 deprecates DSA and warns as asyncssh 2.24 imports its DSA support: five
# warnings on stderr before any line of ours (``newsterm serve ""`` printed 11 lines for its one
# error line). newsterm never offers DSA keys; what asyncssh does with them is not the user's
# concern. Only asyncssh's own modules are filtered.
warnings.filterwarnings(
    "ignore", message=r".* is deprecated and support will be removed", module=r"asyncssh\."
)
