"""Loaders and validators for real data: linked extracts, published statistics, site lists."""
