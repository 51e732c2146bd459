"""Imports every feature's models, so the metadata (and Alembic) sees the whole schema."""

from backoffice.features import feature_modules

MODELS = feature_modules("models")
