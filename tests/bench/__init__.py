"""`make bench`: the service measured under load, and the extractor alone."""
