"""Settings for benchmark runs: the project's settings, with the bench's URLconf (which adds the
bare baseline view). Everything else comes from the environment exactly as in production."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
