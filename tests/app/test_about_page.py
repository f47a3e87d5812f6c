"""The About page file run by AppTest: synthetic-data statement, licences and attribution."""


def all_text(at) -> str:
    """Return the text of every markdown, alert and caption element on the page."""
    parts = [e.value for e in (*at.markdown, *at.info, *at.warning, *at.error, *at.caption)]
    return "\n".join(parts)


def test_about_states_the_data_is_synthetic(run_page):
    at = run_page("about.py")

    assert not at.exception
    assert [t.value for t in at.title] == ["About this tool"]
    assert any("SYNTHETIC DATA" in w.value for w in at.warning)
    assert any("This dataset is synthetic" in e.value for e in at.error)
    assert "none is a real patient" in all_text(at)
    assert "- **Kind:** synthetic" in all_text(at)


def test_about_gives_ogl_attribution(run_page):
    at = run_page("about.py")

    text = all_text(at)
    assert not at.exception
    assert "Licences and attribution" in [h.value for h in at.header]
    assert "Open Government Licence" in text
    assert "Crown copyright" in text
    assert "open-government-licence/version/3" in text
    assert "Counts from 1 to 7 are shown as <8" in text


def test_about_explains_the_cell_key_method_in_plain_words(run_page):
    at = run_page("about.py")

    text = all_text(at)
    assert "Disclosure control" in [h.value for h in at.subheader]
    assert "cell key method" in text
    assert "the same group of people always shows the same figure" in text
    assert "as at the data's own date" in text
    assert "shown as **\\***" not in text  # no '*' marker for secondary suppression any more
