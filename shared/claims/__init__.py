"""Claims: extraction from article bodies, their state and their reading."""
