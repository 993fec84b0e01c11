"""The test world, factories and base test classes. Only tests (and conftest.py) import this package."""

from xueji.testing.world import PASSWORD, World, build_world

__all__ = ["PASSWORD", "World", "build_world"]
