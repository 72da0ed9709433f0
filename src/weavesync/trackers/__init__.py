"""Tracker adapters: one folder per tracker behind `trackers.base.TrackerAdapter`."""
