"""Tables and plots over evaluation runs."""
