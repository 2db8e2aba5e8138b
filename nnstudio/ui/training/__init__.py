"""Training from the window: the training panel, the runner that owns one run, the worker thread
that drives the trainer, and the status bar's run figures."""
