"""Guarded writes, split by aggregate: ``tx`` (the locked run and its events),
``steps`` (step transitions), ``advance`` (activating the next nodes)."""
