"""Full-text search over incidents, evidence, captures and places, Arabic-aware."""
