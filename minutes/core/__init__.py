"""Settings, errors, logging without text, progress, the database and file store."""
