"""Rendering only: maps and reports."""
