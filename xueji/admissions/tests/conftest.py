import pytest

from xueji.admissions.tests.helpers import add_senior
from xueji.testing.world import open_windows


@pytest.fixture
def scene(world):
    """The test world with every business window open and two senior schools (屯溪区, 歙县) with entering classes."""
    open_windows()
    add_senior(world, "tunxi_senior")
    add_senior(world, "shexian_senior")
    return world
