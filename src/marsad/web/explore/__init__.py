"""explore page family."""
