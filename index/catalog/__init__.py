"""The catalog: the SQLite file that is the truth of an index, and the only code that speaks SQL.
``catalog.Catalog`` is the one owner of the connection: it opens the file, upgrades it
(``schema``: numbered steps; the one that brought stories runs the grouping it is handed),
closes it, runs the transactions and read snapshots and keeps ``meta``. Everything else is in
small repositories over that one connection (``db.Db``), exposed as its attributes; none
inherits another, and one that needs another is handed it at construction:
``articles`` (``ArticleRows``: articles and passages, ``keyword``'s FTS5 search), ``versions``
(``VersionRows``: older versions and as-of reads, over the articles'), ``retention``
(``RetentionRows``: the kept texts and cited versions), ``stories`` (``StoryRows``: rows
only, the grouping decides in ``index.stories``), ``feeds`` (``FeedRows``), ``integrity``
(``IntegrityRows``) and ``transfer`` (``TransferRows``). Repository writes take the connection
of the caller's ``Catalog.transaction``.
"""
