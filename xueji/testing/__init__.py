"""The test world, factories and base test classes. Only tests (and conftest.py) import this package.

`PASSWORD`, `World` and `build_world` are read lazily: conftest.py loads this package's fixtures before Django
is set up, and the world's module imports models."""

__all__ = ["PASSWORD", "World", "build_world"]


def __getattr__(name: str):
    if name in __all__:
        from xueji.testing import world

        return getattr(world, name)
    raise AttributeError(name)
