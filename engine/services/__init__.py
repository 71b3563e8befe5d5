"""Writes. Plain keyword-only functions named <noun>_<verb>; every interface
(views, actors, commands, consumers) calls these and nothing lower."""
