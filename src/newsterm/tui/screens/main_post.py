"""The main screen's commands on the open post: its links, copying its path or permalink,
editing, saving and piping it.

A mixin of :class:`newsterm.tui.screens.main.MainScreen`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from newsterm.text import is_web_link, one_line
from newsterm.tui.sections import section_line

if TYPE_CHECKING:
    from newsterm.tui.screens.main import MainScreen


class PostCommands:
    """Commands on the open post (``current``)."""

    # -- links ----------------------------------------------------------------------------
    def action_open_link(self: MainScreen, href: str) -> None:
        """Follow a link of the open post: a post of this archive opens here (with history), a
        web link in the browser, or, served or with no browser, is copied (OSC 52). An in-page
        link (``#name``) scrolls to its heading, id or footnote; ``H`` comes back."""
        if href.startswith("#"):
            self._follow_anchor(href)
            return
        path = self._post_for_link(href)
        if path is not None:
            self.open_post(path)
            return
        from newsterm.markdown.links import post_link_name

        name = post_link_name(href)
        if name is not None:  # {% post_url %} and friends that name no post here
            self.notify(f"No post named {name} here", title="Link", markup=False)
            return
        if self._show_image(href):
            return
        if not is_web_link(href):
            # a post's file:, javascript: or ssh: link is shown, never handed to a browser
            what = (
                "Links are not opened in this session"
                if self.served
                else "Only web links are opened"
            )
            self.notify(f"{what}: {href}", title="Link", markup=False)
            return
        if self.served:
            self.copy_link(href, "Links are not opened in this session")
            return
        self.app.open_url(href)  # the app copies it instead when there is no browser

    def _anchor_place(self: MainScreen, href: str) -> tuple[int, str] | None:
        """Where in the open post an in-page link leads: its rendered line and the text there
        (a heading's title, a note's first line), or None when the post has no such place."""
        doc = self.doc
        y = doc.anchor_y(href) if doc is not None else None
        if doc is None or y is None:
            return None
        return y, doc.lines[y].plain.strip() or "…"

    def _follow_anchor(self: MainScreen, href: str) -> None:
        place = self._anchor_place(href)
        if place is None:
            from urllib.parse import unquote

            self.notify(f"This post has no {unquote(href)}", title="Link", markup=False)
            return
        self.anchor_back.append(round(self.article.scroll_y))
        self.article.scroll_to_y(place[0])

    def _show_image(self: MainScreen, href: str) -> bool:
        """A local image of the site (as the layout finds it: beside the post, or from the
        site's root): shown in the image view; where images cannot be drawn (served to a
        terminal without graphics, images off), where the file is is said and copied."""
        if self.current is None:
            return False
        from newsterm.images import ImageFiles

        if self._image_files is None:
            self._image_files = ImageFiles(self.root)
        files = self._image_files
        path = files.file(self.current.path, href)
        if path is None:
            return False
        # A served reader is told the file's place in the site, never the server's folders.
        where = path.relative_to(files.site).as_posix() if self.served else str(path)
        painter = self.image_painter
        if painter is not None:
            from newsterm.tui.screens.image import ImageScreen

            screen = ImageScreen(painter, path, href, where, self.app.keymap, self.app.size)
            self.app.push_screen(screen)
            return True
        why = "Images are not shown in this session" if self.served else "Images are off"
        self.app.copy_to_clipboard(where)
        self.notify(f"{why}; the picture is {where} (copied)", title="Image", markup=False)
        return True

    def copy_link(self: MainScreen, href: str, why: str) -> None:
        """Put a web link on the reader's clipboard (OSC 52: the terminal's, also over SSH)."""
        self.app.copy_to_clipboard(one_line(href))
        self.notify(f"{why}; copied to the clipboard: {href}", title="Link", markup=False)

    def _post_for_link(self: MainScreen, href: str) -> str | None:
        from newsterm.tui.linking import link_target

        return link_target(href, self.current.path if self.current else None, self.by_path)

    async def action_links(self: MainScreen) -> None:
        if self.current is None or self.doc is None:
            self.notify("Open a post first")
            return
        if not self.doc.links:
            self.notify("This post has no links")
            return
        from newsterm.tui.screens.links import LinksScreen

        rows = []
        for href in self.doc.links:
            if href.startswith("#"):
                place = self._anchor_place(href)
                rows.append((href, None if place is None else f"§ {place[1]}"))
                continue
            path = self._post_for_link(href)
            post = self.by_path.get(path) if path is not None else None
            rows.append((href, post.title if post is not None else None))

        def chosen(href: str | None) -> None:
            if href is not None:
                self.action_open_link(href)

        await self.open_dialog(LinksScreen(rows, self.app.keymap), chosen)

    # -- copying ----------------------------------------------------------------------------
    def action_copy_path(self: MainScreen) -> None:
        if self.current is None:
            self.notify("No post is open")
            return
        self.app.copy_to_clipboard(self.current.path)
        self.notify(f"Copied {self.current.path}", markup=False)

    def action_copy_permalink(self: MainScreen) -> None:
        if self.current is None:
            self.notify("No post is open")
            return
        from newsterm.tui.permalink import front_permalink, load_site, permalink

        if self._site is None:
            self._site = load_site(self.root)
        try:
            head = (self.root / self.current.path).read_text("utf-8", errors="replace")[:8192]
        except OSError:
            head = ""
        # From the raw file: no control character may reach the terminal or the clipboard.
        link = one_line(permalink(self.current, self._site, front_permalink(head)))
        self.app.copy_to_clipboard(link)
        self.notify(f"Copied {link}", markup=False)

    # -- the post outside the reader ----------------------------------------------------------
    def action_edit(self: MainScreen) -> None:
        if self.served:
            self.notify("Editing is not available in this session")
            return
        if self.current is None:
            self.notify("Open a post first")
            return
        from newsterm.tui.editor import editor_command

        path = str(self.root / self.current.path)
        command = editor_command(os.environ, path, self._edit_line())
        if command is None:
            self.notify(
                "Set $VISUAL or $EDITOR to the editor to use (export EDITOR=vim)",
                title="No editor",
                severity="warning",
                markup=False,
            )
            return
        import subprocess

        try:
            with self.app.suspend():
                subprocess.call(command)
        except OSError as err:
            self.notify(f"{command[0]}: {err.strerror}", title="Editor", severity="error")

    def _edit_line(self: MainScreen) -> int:
        """The file line of the section being read (or of the top of the view)."""
        assert self.current is not None
        line = self.article.reading_line() if self.doc is not None else 1
        return self.current.body_line + section_line(self.sections, line) - 1

    async def action_save(self: MainScreen) -> None:
        if self.served:
            self.notify("Saving is not available in this session")
            return
        if self.current is None:
            self.notify("Open a post first")
            return
        from newsterm.tui.export import ExportError, save_post
        from newsterm.tui.screens.prompt import PromptScreen

        post = self.current
        default = str(Path("~/newsterm-saved") / Path(post.path).name)

        def answered(where: str | None) -> None:
            if not where:
                return
            try:
                saved = save_post(self.root, post, where)
            except ExportError as err:
                self.notify(str(err), title="Not saved", severity="error", markup=False)
                return
            self.notify(f"Saved {saved}", title="Saved", markup=False)

        note = "Save as (a folder, a .md file as written, or a .txt file as shown):"
        await self.open_dialog(PromptScreen("Save the post", note, default), answered)

    async def action_pipe(self: MainScreen) -> None:
        if self.served:
            self.notify("Piping is not available in this session")
            return
        if self.current is None:
            self.notify("Open a post first")
            return
        from newsterm.tui.export import post_text
        from newsterm.tui.screens.prompt import PromptScreen

        post = self.current

        def answered(command: str | None) -> None:
            if not command or not command.strip():
                return
            import subprocess

            text = post_text(self.root, post, plain=False)
            try:
                with self.app.suspend():
                    # A clean screen that says what runs (not the last command's output).
                    print(f"\x1b[H\x1b[2J$ {one_line(command)}", flush=True)
                    done = subprocess.run(command, shell=True, input=text, text=True)
                    status = f"exit {done.returncode}; " if done.returncode else ""
                    input(f"\n[{status}Enter: back to newsterm] ")
            except OSError as err:
                self.notify(f"{command}: {err.strerror}", title="Pipe", severity="error")

        note = "The post's Markdown goes to this command's input (less, wc -w, pbcopy, …):"
        await self.open_dialog(PromptScreen("Pipe the post", note, ""), answered)
