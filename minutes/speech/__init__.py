"""Decode -> transcribe -> diarise -> attribute words -> name speakers; typed results."""
