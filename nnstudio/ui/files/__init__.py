"""Project files: New / Open / Save, recent files and the crash-recovery copy."""
