"""Model loading: the registry of model specs, the verified local store, and the engines behind small interfaces."""
