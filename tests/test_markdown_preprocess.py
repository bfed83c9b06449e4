"""Blog template dialects become plain Markdown; fenced code is never touched."""

from __future__ import annotations

from newsterm.markdown.preprocess import preprocess


def pp(src: str, **kw) -> str:
    out = preprocess(src, **kw)
    assert out.count("\n") == src.count("\n"), "the line count is kept"
    return out


def test_highlight_becomes_a_fence_with_its_language():
    out = pp("Run:\n\n{% highlight sh %}\nls -al\ncd /tmp\n{% endhighlight %}\n\nDone.")
    assert out == "Run:\n\n```sh\nls -al\ncd /tmp\n```\n\nDone."


def test_highlight_with_options_and_code_on_the_tag_lines():
    out = preprocess("{% highlight ruby linenos %}puts 1\nputs 2{% endhighlight %}")
    assert out == "```ruby\nputs 1\nputs 2\n```"


def test_highlight_in_a_list_item_keeps_the_indent():
    out = pp("- step\n\n  {% highlight sh %}\n  make\n  {% endhighlight %}")
    assert out == "- step\n\n  ```sh\n  make\n  ```"


def test_highlight_code_with_backtick_fences_gets_a_longer_fence():
    out = pp("{% highlight md %}\n```\nx\n```\n{% endhighlight %}")
    assert out.startswith("````md\n") and out.endswith("\n````")


def test_raw_vanishes_and_keeps_its_content_literal():
    out = pp("{% raw %}\nUse {{ page.title }} and {% if x %}.\n{% endraw %}")
    assert out == "\nUse {{ page.title }} and {% if x %}.\n"
    assert pp("`{% raw %}{{ x }}{% endraw %}` here") == "`{{ x }}` here"


def test_raw_tags_inside_a_fence_vanish_but_the_code_stays():
    src = "```html\n{% raw %}\n<p>{{ page.title }}</p>\n{% endraw %}\n```"
    assert pp(src) == "```html\n\n<p>{{ page.title }}</p>\n\n```"


def test_code_in_an_html_pre_block_is_kept_as_written_like_a_fence():
    # Seen in a Korean Jekyll blog: a Vue template in <pre> lost "{{ name }}" and showed
    # "{{ greeting() }}" as a shortcode placeholder.
    src = (
        'Hi {{ site.x }}\n\n<pre class="prettyprint">\n&lt;h1&gt;{{ greeting() }}, {{ name }}'
        "&lt;/h1&gt;\n{% raw %}{{ y }}{% endraw %}\n</PRE>\n\nThen {{ site.y }} ends."
    )
    assert pp(src) == (
        'Hi \n\n<pre class="prettyprint">\n&lt;h1&gt;{{ greeting() }}, {{ name }}'
        "&lt;/h1&gt;\n{{ y }}\n</PRE>\n\nThen  ends."
    )
    one_line = "<pre>{{ a }}</pre>\n{{ b }}"  # closed on its own line: what follows is text
    assert pp(one_line) == "<pre>{{ a }}</pre>\n"
    assert pp("<prefix>{{ a }}") == "<prefix>"  # not a <pre> tag


def test_fenced_code_is_never_touched():
    src = "```liquid\n{% include x.html %}\n{{ site.title }}\n{: .class}\n{{< youtube x >}}\n```"
    assert pp(src) == src
    assert pp("~~~\n{% assign a = 1 %}\n~~~") == "~~~\n{% assign a = 1 %}\n~~~"


def test_inline_code_spans_keep_their_tags():
    assert pp("Write `{{ site.url }}` or `{% include a.html %}`.") == (
        "Write `{{ site.url }}` or `{% include a.html %}`."
    )


def test_logic_tags_and_output_vanish():
    out = pp("{% assign n = 3 %}\n{% if n %}Shown {{ n }} times{% endif %}\n{% include toc.html %}")
    assert out == "\nShown  times\n"


def test_output_with_a_quoted_url_keeps_the_url():
    out = pp('![cat]({{ "/img/cat.png" | relative_url }})\n![dog]({{ site.baseurl }}/dog.png)')
    assert out == "![cat](/img/cat.png)\n![dog](/dog.png)"


def test_post_url_and_link_become_post_links():
    out = pp("[old]({% post_url 2010-07-21-name %}) [new]({% link _posts/2020-01-01-a.md %})")
    assert out == "[old](post:2010-07-21-name) [new](post:_posts/2020-01-01-a.md)"
    resolved = pp("[old]({% post_url 2010-07-21-name %})", post_link=lambda n: f"/p/{n}")
    assert resolved == "[old](/p/2010-07-21-name)"


def test_image_includes_and_tags_become_image_placeholders():
    out = pp('{% include image.html url="/img/a.png" description="고양이 사진" %}')
    assert out == "![고양이 사진](/img/a.png)"
    assert pp("{% img right /images/x.png 300 200 'Title' 'Alt text' %}") == (
        "![Alt text](/images/x.png)"
    )
    assert pp('{% image photo.jpg alt="Sea" %}') == "![Sea](photo.jpg)"
    assert pp("{% asset_img diagram.svg %}") == "![diagram.svg](diagram.svg)"


def test_video_includes_become_links():
    out = pp('{% include youtube.html id="abc123" %}')
    assert out == "[▶ YouTube abc123](https://www.youtube.com/watch?v=abc123)"


def test_comment_and_unused_capture_vanish_used_capture_stays():
    src = "{% comment %}\nsecret\n{% endcomment %}\nvisible"
    assert pp(src) == "\n\n\nvisible"
    unused = "{% capture x %}\nhidden\n{% endcapture %}\nafter"
    assert pp(unused) == "\n\n\nafter"
    used = (
        "{% capture note %}\n**Note** text\n{% endcapture %}\n<div>{{ note | markdownify }}</div>"
    )
    assert pp(used) == "\n**Note** text\n\n<div></div>"


def test_hugo_figure_highlight_notice_youtube():
    assert pp('{{< figure src="/a.jpg" caption="설명" alt="x" >}}') == "![설명](/a.jpg)"
    assert pp("{{< highlight go >}}\nfunc main() {}\n{{< /highlight >}}") == (
        "```go\nfunc main() {}\n```"
    )
    assert pp("{{% notice warning %}}\nBe careful.\n{{% /notice %}}") == (
        "> **Warning**  \n> Be careful.\n"
    )
    assert pp("{{< youtube dQw4w9WgXcQ >}}") == (
        "[▶ YouTube dQw4w9WgXcQ](https://www.youtube.com/watch?v=dQw4w9WgXcQ)"
    )


def test_hugo_multiline_shortcode_and_unknown_ones():
    src = '{{< figure\n    src="/b.png"\n    title="Two" >}}\nnext'
    assert pp(src) == "![Two](/b.png)\n\n\nnext"
    assert pp('{{< toc >}}\n{{< details title="More" >}}\nInside\n{{< /details >}}') == (
        "\n**More**\nInside\n"
    )


def test_hugo_escaped_shortcode_shows_literally():
    assert pp("```\n{{</* youtube x */>}}\n```") == "```\n{{< youtube x >}}\n```"


def test_zola_shortcodes():
    assert pp('{{ youtube(id="abc") }}') == "[▶ YouTube abc](https://www.youtube.com/watch?v=abc)"
    assert pp('{{ image(src="/p.png", alt="사진") }}') == "![사진](/p.png)"
    out = pp('{% note(title="Zola") %}\nBody text\n{% end %}')
    assert out == "> **Note: Zola**  \n> Body text\n"


def test_kramdown_attribute_lists_and_toc():
    assert pp("* TOC\n{:toc}\n\nText") == "\n\n\nText"
    assert pp('[x](http://x){:target="_blank"} and **b**{: .cls}') == "[x](http://x) and **b**"
    assert pp("Paragraph\n{: .alert .alert-warning}") == "Paragraph\n"
    assert pp("## Title\n{:.no_toc}") == "## Title\n"
    assert pp("{::comment}\nhidden\n{:/comment}\nshown") == "\n\n\nshown"
    assert pp("*[HTML]: Hyper Text Markup Language\nHTML") == "\nHTML"


def test_plain_markdown_is_returned_unchanged():
    src = "# Title\n\nA {curly} brace and a dict {'a': 1}.\n"
    assert preprocess(src) == src


def test_kramdown_lists_inside_a_raw_block_still_vanish():
    # math-heavy posts wrap the whole body in {% raw %}; kramdown still reads its IALs there
    out = pp("{% raw %}\n* TOC\n{:toc}\n`PROOF`{:.info} x `{:kept}`\n{% endraw %}")
    assert out == "\n\n\n`PROOF` x `{:kept}`\n"


def test_a_fence_without_info_and_text_after_a_code_close():
    assert pp("```\ncode\n```") == "```\ncode\n```"
    out = preprocess("{% highlight sh %}\nls\n{% endhighlight %} after")
    assert out == "```sh\nls\n```\n after"


def test_an_html_comment_hides_no_fence_from_what_follows():
    src = '<!-- ~~~java\nold code\n~~~ -->\n\n* ![](/a.png){: width="230"}'
    assert pp(src) == "<!-- ~~~java\nold code\n~~~ -->\n\n* ![](/a.png)"


def test_an_attribute_list_wrapped_onto_the_next_line_keeps_the_link_whole():
    out = pp('[![RHG](http://x/a.gif){:\n.icon width="70"}][cover] A book')
    assert out == "[![RHG](http://x/a.gif)][cover] A book\n"


def test_post_links_find_their_post_in_the_archive():
    from newsterm.markdown.links import find_post, post_link_name

    paths = ["_posts/2010-07-21-name.md", "_posts/dev/2020-01-01-other.markdown", "p/trip/index.md"]
    assert post_link_name("post:2010-07-21-name") == "2010-07-21-name"
    assert post_link_name("https://x") is None
    assert find_post("2010-07-21-name", paths) == "_posts/2010-07-21-name.md"
    assert find_post("_posts/dev/2020-01-01-other.markdown", paths) == paths[1]
    assert find_post("dev/2020-01-01-other", paths) == paths[1]
    assert find_post("/trip/", paths) == "p/trip/index.md"
    assert find_post("missing", paths) is None


def test_an_include_with_any_image_argument_is_an_image():
    src = '{% include figure image_path="/assets/images/x.jpg" alt="대체" caption="설명" %}'
    assert pp(src) == "![설명](/assets/images/x.jpg)"
    video = '{% include video id="XsxDH4HcOWA" provider="youtube" %}'
    assert pp(video) == "[▶ YouTube XsxDH4HcOWA](https://www.youtube.com/watch?v=XsxDH4HcOWA)"


def test_chirpy_prompts_label_their_quote():
    assert pp("> 설치 전에 백업하세요.\n> 꼭.\n{: .prompt-warning }") == (
        "> **Warning:** 설치 전에 백업하세요.\n> 꼭.\n"
    )
    assert pp("plain\n{: .prompt-tip }") == "plain\n"
    said = "> **Warning**: already said\n"
    assert pp(said + "{: .prompt-warning }") == said


def test_an_unknown_shortcode_leaves_a_placeholder_naming_it():
    out = pp('Chart:\n\n{{< plotly json="/data/chart-2019.json" height="400px" >}}\n\nAfter.')
    assert out == "Chart:\n\n![plotly: chart-2019.json](shortcode:plotly)\n\nAfter."
    assert pp("{{< plotly >}}") == "![plotly](shortcode:plotly)"
    assert (
        pp('Zola {{ chart(file="x/y.csv") }} here') == "Zola ![chart: y.csv](shortcode:chart) here"
    )
    # shortcodes that only lay out the page still go
    assert pp("{{< toc >}}\n{{< br >}}") == "\n"


def test_markdown_for_export_names_an_unknown_shortcode_in_words_not_a_fake_image():
    from markdown_it import MarkdownIt

    out = preprocess('차트:\n\n{{< plotly json="/d/chart_1*.json" >}}\n\n끝.', export=True)
    assert out == "차트:\n\n*\\[plotly: chart\\_1\\*.json\\]*\n\n끝."
    assert "shortcode:" not in out and "![" not in out
    # any CommonMark tool (pandoc too) shows the words as they were, in italics
    html = MarkdownIt("commonmark").render(out)
    assert "<em>[plotly: chart_1*.json]</em>" in html and "<img" not in html
    assert preprocess('Zola {{ chart(file="y.csv") }} here', export=True) == (
        "Zola *\\[chart: y.csv\\]* here"
    )
    assert preprocess("{{< toc >}}", export=True) == ""
