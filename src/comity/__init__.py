"""comity: an event-sourced rule engine for cross-border asset recovery."""
