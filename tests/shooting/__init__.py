"""Tests of shooting."""
