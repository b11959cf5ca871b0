"""Contiguous territories: repair, exact flow model, neighbourhood search."""
