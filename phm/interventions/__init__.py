"""Interventions as they happened: the register (app state) and their evaluation."""
