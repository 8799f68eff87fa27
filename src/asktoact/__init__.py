"""asktoact: train and measure tool-calling models that ask before they act."""

__version__ = "0.1.0"
