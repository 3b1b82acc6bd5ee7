"""Stories: articles about one unfolding event, grouped as they are ingested. ``signals`` reads
what an article offers the grouping (its day, names, key sentence, vector); ``grouping`` decides
which story it joins and which stories it shows to be one (``Neighbourhood.place``);
``grouper.StoryGrouper`` runs it over the catalog's story rows (``catalog.stories``), which only
persist what it decides.
"""
