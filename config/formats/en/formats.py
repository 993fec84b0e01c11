"""The English interface shows dates as the Chinese one does (2020-08-05): see ../zh_Hans/formats.py."""

from config.formats.zh_Hans.formats import *  # noqa: F403
