"""Audit chain, exports, retention and withdrawal propagation."""
