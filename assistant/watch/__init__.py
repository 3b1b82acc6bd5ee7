"""Watchlists (issue #33): matching followed queries and stories against new articles
(``matcher``) and delivering the items to webhooks, signed and at most once (``webhook``). The
watchlists, their items and cursors are the catalog's (``index.catalog.watchlists``), written
through ``index.Library``."""
