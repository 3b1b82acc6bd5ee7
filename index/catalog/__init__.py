"""The catalog: the SQLite file that is the truth of an index, and the only code that speaks SQL.
``catalog.Catalog`` owns the connection, the schema (``schema``, numbered upgrades) and the
transactions; its reads (``reads``), versions and their retention (``versions``,
``retention``), stories (``stories``: persistence only, the grouping decides in
``index.stories``), feeds (``feeds``) and the FTS5 keyword search (``keyword``) are mixins over
that one connection.
"""
