"""--conformance: grading someone's webhook against what the real service does and counts."""
