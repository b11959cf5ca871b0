"""Readers of public benchmark formats (GAP, OR-Library, PSPLIB)."""
