"""Files shipped inside the package (models, with their licences beside them)."""
