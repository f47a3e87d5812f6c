"""Sign-in and roles in the app: every role on every page, direct URLs, shared links, the audit.

Refused means refused: the page shows the reason and nothing drawn from data (no table, chart,
map or figure), and the refusal is in the audit log.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from components import pages
from phm.access import PAGE_CAPABILITY, Role, pages_for
from phm.access.demo import DEMO_PRACTICE
from phm.audit import log
from phm.synth.usage import write_usage_year
from tests.app.conftest import ROOT
from tests.signin import demo_user, provider_sign_in

DATA_ELEMENTS = (
    "dataframe",
    "metric",
    "arrow_vega_lite_chart",
    "vega_lite_chart",
    "deck_gl_json_chart",
    "table",
)
PERSON_PAGES = pages.mode_pages(aggregate=False)


def shown_data(at: AppTest) -> list[str]:
    """Return the kinds of data-bearing element a run drew."""
    return [kind for kind in DATA_ELEMENTS if len(at.get(kind))]


def kinds(path: Path) -> list[str]:
    """Return the kinds of the log's real entries, in order (the demo's generated year aside)."""
    return [e.kind for e in log.entries(path) if not e.synthetic] if path.exists() else []


def app(role: Role | None = None, page: str | None = None, **params: str) -> AppTest:
    """Return app.py signed in through the test provider as a role (None: the demo gate)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    if role is not None:
        provider_sign_in(at, role)
    if page is not None:
        at.switch_page(f"views/{pages.PAGES[page].file}")
    at.query_params.update({k: [v] for k, v in params.items()})
    return at


@pytest.mark.parametrize("page", [*PERSON_PAGES, "published_map", "published_compare"])
@pytest.mark.parametrize("role", list(Role))
def test_every_role_on_every_page(run_page, audit_db, role, page):
    at = run_page(pages.PAGES[page].file, principal=demo_user(role))
    assert not at.exception, [e.value for e in at.exception]
    allowed = page in pages_for(demo_user(role), [page])
    entries = list(log.entries(audit_db))
    if allowed:
        assert not any("You are signed in as" in e.value for e in at.error)
        assert [e.kind for e in entries][:1] == ["page_view"] and entries[0].page == page
    else:
        assert any("You are signed in as" in e.value for e in at.error), page
        assert shown_data(at) == [], f"{role} sees data on {page}"
        assert [(e.kind, e.page) for e in entries] == [("refused", page)]
        assert len(at.title) == 1  # the page's title and the refusal, nothing else
        assert any("SYNTHETIC DATA" in w.value for w in at.warning)  # the demo is labelled


@pytest.mark.parametrize("role", list(Role))
def test_the_menu_lists_only_the_pages_of_the_role(app_env, role, monkeypatch):
    at = app(role).run()
    assert not at.exception and at.title[0].value == "Find target groups"
    monkeypatch.setattr(pages, "page", lambda name, landing, shown: (name, landing, shown))
    navigation = pages.navigation(demo_user(role))
    listed = [name for name, _, shown in navigation if shown]
    assert listed == pages_for(demo_user(role), PERSON_PAGES)
    # Every page stays registered (hidden), so its URL reaches the refusal.
    assert [name for name, _, _ in navigation] == PERSON_PAGES
    assert {"audit", "usage"} & set(listed) == {
        p for p in ("audit", "usage") if PAGE_CAPABILITY[p] in demo_user(role).capabilities
    }


def test_a_direct_url_to_a_forbidden_page_shows_only_the_refusal(app_env, audit_db):
    at = app(Role.PLANNER, "business_case").run()
    assert not at.exception
    assert any("The business case is for commissioners" in e.value for e in at.error)
    assert shown_data(at) == []
    assert kinds(audit_db) == ["access_granted", "sign_in", "refused"]


def test_a_planners_link_to_another_practice_is_refused_for_practice_staff(app_env, audit_db):
    at = app(Role.PRACTICE, "overview", practice="P00002").run()
    assert not at.exception
    assert any("Practice staff see their own practice's figures only" in e.value for e in at.error)
    assert shown_data(at) == []
    assert kinds(audit_db)[-1] == "refused"


def test_practice_staff_see_their_own_practice_only(run_page, audit_db):
    nurse = run_page("overview.py", principal=demo_user(Role.PRACTICE))
    planner = run_page("overview.py", principal=demo_user(Role.PLANNER), practice=[DEMO_PRACTICE])
    assert not nurse.exception and not planner.exception
    assert [m.value for m in nurse.metric] == [m.value for m in planner.metric]
    everyone = run_page("overview.py", principal=demo_user(Role.PLANNER))
    assert [m.value for m in everyone.metric] != [m.value for m in nurse.metric]
    views = [e for e in log.entries(audit_db) if e.kind == "page_view"]
    assert f'"practice": ["{DEMO_PRACTICE}"]' in views[0].cohort  # the scoped cohort, in codes


def test_demo_sign_in_page_view_refusal_and_sign_out_are_audited(app_env, audit_db, monkeypatch):
    monkeypatch.delenv("PHM_DEMO_USER")
    at = app().run()
    assert at.title[0].value == "Demo sign-in" and shown_data(at) == []
    assert "Synthetic data, demo users" in at.warning[0].value
    assert len(at.radio[0].options) == 5
    # The synthetic usage year is in the new log before anyone signs in.
    seeded = log.count(audit_db)
    assert seeded > 10_000

    at.radio[0].set_value("Administrator").run()
    next(b for b in at.button if b.label == "Sign in").click().run()
    assert not at.exception
    assert any("Sam Reid" in m.value for m in at.sidebar.markdown)
    at.switch_page("views/business_case.py").run()
    assert any("The business case is for commissioners" in e.value for e in at.error)
    at.switch_page("views/audit.py").run()
    assert not at.exception and at.success[0].value.startswith("Chain verified")
    next(b for b in at.sidebar.button if b.label == "Sign out").click().run()
    assert at.title[0].value == "Demo sign-in"

    assert kinds(audit_db) == [
        "access_granted",  # a first sign-in opens the person's grant, in the chain
        "sign_in",
        "page_view",
        "refused",
        "page_view",
        "sign_out",
    ]
    assert log.verify(audit_db).ok


def test_the_demo_user_setting_signs_in_on_synthetic_data_only(
    app_env, audit_db, published_db, monkeypatch
):
    at = app().run()  # app_env sets PHM_DEMO_USER=borough-commissioner
    assert any("Tom Okafor" in m.value for m in at.sidebar.markdown)
    monkeypatch.setenv("PHM_DB", str(published_db))
    at = app().run()
    assert at.title[0].value == "Sign-in must be configured"
    assert shown_data(at) == [] and len(at.sidebar.markdown) == 0


def test_a_provider_sign_in_with_no_role_is_refused_and_audited(app_env, audit_db):
    at = provider_sign_in(AppTest.from_file(str(ROOT / "app.py"), default_timeout=120))
    at.user = {**at.user, "roles": ["Some.Other.App"]}
    at.run()
    assert at.title[0].value == "No access"
    assert "no role for you" in at.error[0].value
    assert shown_data(at) == []
    assert kinds(audit_db) == ["refused"]


def test_usage_and_audit_pages_render_for_their_roles(run_page, audit_db):
    write_usage_year(audit_db, 2020)
    for role in (Role.ADMINISTRATOR, Role.PROGRAMME_LEAD):
        at = run_page("usage.py", principal=demo_user(role))
        assert not at.exception, [e.value for e in at.exception]
        assert any("Synthetic usage, generated for the demo" in w.value for w in at.warning)
        assert len(at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")) >= 6
    at = run_page("audit.py", principal=demo_user(Role.ADMINISTRATOR))
    assert not at.exception, [e.value for e in at.exception]
    assert at.success[0].value.startswith("Chain verified")
    assert len(at.dataframe) == 1
    at.selectbox(key="audit_page").select("usage").run()
    assert set(at.dataframe[0].value["page"]) == {"usage"}
