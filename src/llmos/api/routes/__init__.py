"""One router per concern; ``app.py`` includes them all."""
