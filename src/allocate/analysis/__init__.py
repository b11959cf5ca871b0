"""Indicators and comparisons computed from alignments and schedules."""
