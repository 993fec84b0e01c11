def test_world_builds(world):
    assert world.user("tunxi_primary", "registrar").org_unit.is_school
    assert world.units["anhui"].contains(world.units["tunxi_primary"])
    assert not world.units["jiangsu"].contains(world.units["tunxi_primary"])
