"""search page family."""
