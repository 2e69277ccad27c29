"""Device API simulators: test infrastructure, never imported by the collection."""
