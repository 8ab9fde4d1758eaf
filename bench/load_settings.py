"""The portal's settings for the load benchmark only: the same, plus a bare view to compare against."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "load_urls"
