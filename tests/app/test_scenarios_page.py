"""The Scenarios page run by AppTest: one card and one link per scenario, and a shareable link."""

from phm.analysis.scenarios import SCENARIOS


def test_scenarios_page_lists_every_scenario_with_a_link(run_page):
    at = run_page("scenarios.py")
    assert not at.exception
    assert sorted(s.value for s in at.header) == sorted(s.title for s in SCENARIOS)
    links = {link.proto.label: link.proto.page for link in at.get("page_link")}
    assert len(links) == len(SCENARIOS)
    for scenario in SCENARIOS:
        assert scenario.page in links[f"Open: {scenario.title}"]
    assert any(c.value.startswith("/scenarios") for c in at.code)


def test_copy_link_keeps_presentation_mode(run_page):
    at = run_page("scenarios.py", present=True)
    assert not at.exception
    assert any(c.value.endswith("present=1") for c in at.code)
