"""ATM locations: loading open-data files and finding the nearest ATMs."""
