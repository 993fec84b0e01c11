"""core sits under every app: it imports none of them (the layer contract in pyproject.toml says the same for
the apps it lists; this also covers an app added later and not yet listed there)."""

import grimp


def test_core_imports_no_app():
    graph = grimp.build_graph("xueji", cache_dir=None)
    leaks = sorted(
        f"{module} -> {imported}"
        for module in graph.find_descendants("xueji.core") if ".tests" not in module
        for imported in graph.find_modules_directly_imported_by(module)
        if imported.startswith("xueji.") and not imported.startswith("xueji.core")
    )
    assert not leaks, "core imports apps above it: " + ", ".join(leaks)
