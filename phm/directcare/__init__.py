"""Direct care: a practice's own patients who are due a dose, their worklists and exports."""
