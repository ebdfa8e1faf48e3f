"""GDPR: the export (:mod:`.export`) and the erasure (:mod:`.erase`) that walk the personal-data
registry (:mod:`config.gdpr`). The support app's own models are declared in
:mod:`.declarations`, imported here so that ``autodiscover_modules("gdpr")`` finds them like
every other app's ``gdpr`` module."""

from support.gdpr import declarations, metrics  # noqa: F401
