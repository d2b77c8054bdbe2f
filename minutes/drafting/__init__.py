"""Windows -> prompt -> constrained generation -> items -> grounding, sensitive flags, dates."""
