"""The pending accuracy-check queue: states, edits, resolve, approve/reject, diff."""
