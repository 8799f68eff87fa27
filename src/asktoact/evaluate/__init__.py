"""Evaluation: protocol agents, user simulators, the runner and the paper's metrics."""
