"""Process one meeting through the gated stages, and batches of meetings."""
