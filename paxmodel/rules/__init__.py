"""Rules that turn public data into scenario numbers (documented in docs/data.md)."""
