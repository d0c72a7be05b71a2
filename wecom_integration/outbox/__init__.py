"""The outbox's bookkeeping in SQL: who a message reaches and how each member fared."""
