"""Stories: articles about one unfolding event, grouped as they are ingested. ``signals`` reads
what an article offers the grouping (its day, names, key sentence, vector); ``grouping`` decides
which story it joins (``StoryGrouper``: ``place(signals) -> story``); the catalog persists it.
"""
