"""Articles: what newsrooms send in."""
