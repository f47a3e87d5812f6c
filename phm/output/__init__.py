"""Output: charts, maps, the business-case brief and exports, built from protected frames.

Each builder receives and sends only the fields it draws (tests/chart_fields.py checks it).
"""
