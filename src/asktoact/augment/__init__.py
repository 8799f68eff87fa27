"""Error-correction augmentation: the five error types of §2.2 with their corrections."""
