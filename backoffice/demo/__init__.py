"""Demo data for trying the back office on a laptop."""
