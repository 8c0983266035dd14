"""Evidence for claims: fetching sources safely (`fetcher`), reading pages (`pages`), and finding the
passage of a source that best matches a claim (`passages`)."""
