"""Outreach planning: who is within reach of a site, pop-up site selection, vaccine-bus routes.

Distances are straight-line (great-circle) distances multiplied by a stated factor, because
no road or footpath network is available offline. Demand is counted at one
population-weighted point per LSOA: an LSOA's unvaccinated people are within reach of a
site when that point is.
"""
