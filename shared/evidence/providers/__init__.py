"""Evidence providers: each finds sources for a claim behind the one `Provider` interface."""
