"""Clarification dialogues: decomposition, questions, tones, assembly, invariant checks."""
