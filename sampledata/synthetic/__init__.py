"""A deterministic synthetic data set at the scale of the Global Terrorism Database, for development and load tests.

`plan.py` decides every row from a seed and a scale (`names.py` and `vocabulary.py` supply the
words); `write.py` writes them, with history, into an empty database. `manage.py generate_dataset`
runs both.
"""
