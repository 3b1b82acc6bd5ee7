"""What every interface shows, as HTML or text: an article with its passage marked
(``article_html``), citation links (``cite_urls``), datelines with outlet names (``dateline``),
query terms marked in snippets (``highlight``), notes beside quotes (``note_chips``) and the
colours of both schemes (``colors``). The web app, the HTTP API's /cite pages and the CLI share
them; nothing here reads an index.
"""
