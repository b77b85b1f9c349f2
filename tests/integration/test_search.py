"""Search (SPEC §4, §5): /search and /api/1.0/search over titles, descriptions, venues and
speakers' names, best match first, with excerpts whose matched words are marked safely; any input
is a search or the form, never an error; the index follows creates, edits and name changes."""
import html
import json
import re
import urllib.parse

from stack import Stack, publish, speaker, wait_until


def search(stack, q, page=None, api=False):
    path = ("/api/1.0/search" if api else "/search") + "?q=" + urllib.parse.quote(q)
    if page is not None:
        path += f"&page={page}"
    return stack.request("GET", path)


def found(stack, q, **kw):
    r = search(stack, q, api=True, **kw)
    assert r.status == 200, r.body
    return json.loads(r.body)


def titles(stack, q):
    return [t["title"] for t in found(stack, q)["talks"]]


def edit(b, url, **fields):
    from stack import TALK
    talk_id = url.rsplit("/", 1)[1]
    r = b.submit(f"/edit/{talk_id}", f"/edit/{talk_id}", dict(TALK, **fields))
    assert r.status == 303, r.body


def test_a_word_in_the_title_ranks_above_one_in_the_description(stack):
    b = speaker(stack)
    publish(b, title="Gardening for programmers", description="Soil, seeds and some compilers.")
    publish(b, title="Compilers in a weekend", description="Parsing and code generation.")
    publish(b, title="Unrelated", description="Nothing to see.")
    assert titles(stack, "compilers") == ["Compilers in a weekend", "Gardening for programmers"]


def test_search_finds_venue_and_speaker_and_matches_the_last_word_as_a_prefix(stack):
    b = speaker(stack)
    publish(b, title="Fearless C", venue="FOSDEM")
    assert titles(stack, "fosdem") == ["Fearless C"]
    assert titles(stack, "fear") == ["Fearless C"]        # the last word is a prefix
    assert titles(stack, "fearless fosd") == ["Fearless C"]
    assert titles(stack, "fear fosdem") == []            # only the last word is a prefix
    assert titles(stack, "fearless nothing") == []       # every word must match
    assert titles(stack, "Fearléss") == ["Fearless C"]   # diacritics do not count
    # The speaker's name (here their username: no name is set) is found once svc-talks has it.
    wait_until(lambda: titles(stack, "ann") == ["Fearless C"], 10, "the speaker's name indexed")


def test_the_page_shows_excerpts_with_marked_words_and_escapes_the_text(stack):
    b = speaker(stack)
    publish(b, title="<script>alert(1)</script> talk",
            description="All about <b>bold</b> & brave compilers \ue000here\ue001.")
    r = search(stack, "compilers")
    assert r.status == 200
    assert "<script>alert(1)</script>" not in r.body and "<b>bold</b>" not in r.body
    assert "&lt;script&gt;alert(1)&lt;/script&gt; talk" in r.body
    excerpt = re.search(r'<p class="talk-excerpt">(.*?)</p>', r.body, re.S).group(1)
    assert "<mark>compilers</mark>" in excerpt
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; brave" in excerpt
    # Marks typed by a speaker never unbalance the page's HTML.
    assert excerpt.count("<mark>") == excerpt.count("</mark>")
    hit = found(stack, "compilers")["talks"][0]
    assert hit["title"] == "<script>alert(1)</script> talk"
    assert "<mark>compilers</mark>" in hit["excerpt_html"] and "compilers" in hit["excerpt"]
    assert "\ue000" not in hit["excerpt"] and "<mark>" not in hit["excerpt"]


def test_odd_input_is_a_search_or_the_form_never_an_error(stack):
    b = speaker(stack)
    publish(b, title="Concurrency in C", description="Threads AND locks OR not, near the metal.")
    for q in ('"', '"concurrency', "concurrency*", "NEAR(concurrency c)", "AND", "OR OR", "*",
              "title:concurrency", "^concurrency", "-concurrency", "(", ")", "'", "\\", ":",
              "x" * 1000, "concurrency " * 200, "!!!", "\u2014", "\ue000", "%", "ü" * 600):
        for api in (False, True):
            r = search(stack, q, api=api)
            assert r.status == 200, (q[:40], api, r.body[:300])
    assert titles(stack, '"concurrency') == ["Concurrency in C"]
    assert titles(stack, "NEAR(threads locks)") == ["Concurrency in C"]  # words, not operators
    assert titles(stack, "and locks") == ["Concurrency in C"]
    for raw in ("q=%00", "q=%ff", "q=%", "q=a%00b", "q="):
        r = stack.request("GET", "/search?" + raw)
        assert r.status == 200 and 'name="q"' in r.body, raw
        r = stack.request("GET", "/api/1.0/search?" + raw)
        assert r.status == 200 and json.loads(r.body)["talks"] == [], raw
    empty = search(stack, "   ")
    assert empty.status == 200 and "talks found" not in empty.body and 'id="search-q"' in empty.body


def test_results_are_paginated_with_links_that_keep_the_query(stack, tmp_path):
    stack.stop_all()
    s = Stack(tmp_path / "paged", extra_env={"TALKS_PER_PAGE": "2"})
    (tmp_path / "paged").mkdir()
    s.start_all()
    try:
        b = speaker(s)
        for i in range(5):
            publish(b, title=f"Rust talk {i}")
        first = found(s, "rust & talk")
        assert (first["page"], first["pages"], first["total"], len(first["talks"])) == (1, 3, 5, 2)
        assert first["prev"] is None and first["next"] == "/api/1.0/search?q=rust%20%26%20talk&page=2"
        last = found(s, "rust & talk", page=99)  # clamped to the last page
        assert last["page"] == 3 and len(last["talks"]) == 1 and last["next"] is None
        seen = {t["id"] for p in (1, 2, 3) for t in found(s, "rust & talk", page=p)["talks"]}
        assert len(seen) == 5
        body = search(s, "rust & talk", page=2).body
        assert 'href="/search?q=rust%20%26%20talk&amp;page=3"' in body
        assert 'href="/search?q=rust%20%26%20talk"' in body
        assert "5 talks found" in body
    finally:
        codes = s.stop_all()
    assert all(c == 0 for c in codes.values()), codes


def test_the_index_follows_creates_edits_and_a_speakers_new_name(stack):
    b = speaker(stack)
    url = publish(b, title="Old title", description="Quantum widgets")
    assert titles(stack, "quantum") == ["Old title"]            # at once after the create
    edit(b, url, title="New title", description="Classical gadgets")
    assert titles(stack, "quantum") == [] and titles(stack, "gadgets") == ["New title"]
    assert titles(stack, "old") == []
    page = b.get("/profile").body
    token = html.unescape(re.search(r'name="csrf_token" value="([^"]+)"', page).group(1))
    r = b.post("/profile", {"csrf_token": token, "name": "Zelda Quux", "location": "", "bio": ""})
    assert r.status == 303, r.body
    wait_until(lambda: titles(stack, "zelda") == ["New title"], 10, "the new name indexed")
    assert titles(stack, "quux new") == ["New title"]


def test_a_speaker_renamed_while_svc_talks_is_down_is_found_when_it_is_back(stack):
    b = speaker(stack)
    publish(b, title="Resilience")
    wait_until(lambda: titles(stack, "ann") == ["Resilience"], 10, "the first name indexed")
    stack.stop("talks")
    page = b.get("/profile").body
    token = html.unescape(re.search(r'name="csrf_token" value="([^"]+)"', page).group(1))
    r = b.post("/profile", {"csrf_token": token, "name": "Offline Olga", "location": "", "bio": ""})
    assert r.status == 303, r.body
    stack.start("talks")
    wait_until(lambda: stack.request("GET", "/").status == 200, 10, "svc-talks to rejoin")
    wait_until(lambda: titles(stack, "olga") == ["Resilience"], 10, "the name changed offline")


def test_navbar_has_a_search_box_and_the_page_the_form(stack):
    home = stack.request("GET", "/").body
    assert '<form class="nav-search" role="search" method="get" action="/search">' in home
    r = search(stack, "")
    assert r.status == 200 and 'id="search-q"' in r.body and "No talks match" not in r.body
    r = search(stack, "nothing-matches-this")
    assert "No talks match your search." in r.body and 'value="nothing-matches-this"' in r.body


NEWEST = "Many talks match, so the newest are shown first. Add words to narrow the search."


def seed_talks(stack, n):
    """n seeded talks, each description saying "real systems" (talksctl seed)."""
    r = stack.talksctl("seed", "--bulk", "--users", "3", "--talks", str(n))
    assert r.returncode == 0, r.stdout + r.stderr


def test_a_word_in_more_talks_than_are_ranked_shows_the_newest_first_and_says_so(stack):
    """Past TALKS_SEARCH_RANK_MAX (1000) matches, ranking would cost a time that grows with the
    data: the hits come newest first instead, with a line telling the reader to add words."""
    seed_talks(stack, 1200)
    b = speaker(stack)
    publish(b, title="Systems of the newest kind", description="Unique zephyrine words.")
    many = found(stack, "systems")
    assert many["total"] == 1201 and many["pages"] == 25 and many["ranked"] is False
    assert many["total_exact"] is True  # TALKS_SEARCH_COUNT_MAX is 10 000
    assert many["notice"] == NEWEST
    ids = [t["id"] for t in many["talks"]]
    assert ids == sorted(ids, reverse=True) and len(ids) == 50
    assert many["talks"][0]["title"] == "Systems of the newest kind"  # the newest talk
    assert "<mark>" in many["talks"][0]["excerpt_html"]  # excerpts as for ranked hits
    page = search(stack, "systems")
    assert page.status == 200 and "1201 talks found" in page.body and NEWEST in page.body
    # More words: few enough matches to rank, best first, and no notice.
    narrow = found(stack, "newest systems")
    assert narrow["ranked"] is True and narrow["notice"] is None
    assert [t["title"] for t in narrow["talks"]] == ["Systems of the newest kind"]
    assert NEWEST not in search(stack, "zephyrine").body


def test_newest_first_pages_follow_each_other_and_the_limits_are_settings(stack, tmp_path):
    """TALKS_SEARCH_RANK_MAX: the most matches ranked; TALKS_SEARCH_COUNT_MAX: the most counted
    (past it the count says "more than", and the pages go that far)."""
    stack.stop_all()
    s = Stack(tmp_path / "few", extra_env={"TALKS_SEARCH_RANK_MAX": "4", "TALKS_PER_PAGE": "3",
                                           "TALKS_SEARCH_COUNT_MAX": "5"})
    (tmp_path / "few").mkdir()
    s.start_all()
    try:
        b = speaker(s)
        publish(b, title="Gleam", description="Shiny.")
        for i in range(3):
            publish(b, title=f"Other {i}", description="About gleam.")
        ranked = found(s, "gleam")  # 4 matches: ranked, the oldest first (its title matches)
        assert ranked["ranked"] is True and ranked["total"] == 4 and ranked["notice"] is None
        assert ranked["talks"][0]["title"] == "Gleam"
        publish(b, title="Latest", description="Gleam again.")
        pages = [found(s, "gleam", page=p) for p in (1, 2, 3)]  # 5: newest first
        assert all(p["ranked"] is False and p["notice"] == NEWEST for p in pages)
        assert [t["title"] for t in pages[0]["talks"]] == ["Latest", "Other 2", "Other 1"]
        assert [t["title"] for t in pages[1]["talks"]] == ["Other 0", "Gleam"]
        assert pages[2]["page"] == 2 and pages[1]["next"] is None  # clamped to the last page
        body = search(s, "gleam", page=2).body
        assert NEWEST in body and 'href="/search?q=gleam"' in body
        assert pages[0]["total"] == 5 and pages[0]["total_exact"] is True
        assert "5 talks found" in body and "More than" not in body
        publish(b, title="Later still", description="Gleam.")  # 6: more than are counted
        more = found(s, "gleam")
        assert (more["total"], more["total_exact"], more["pages"]) == (5, False, 2)
        assert [t["title"] for t in more["talks"]] == ["Later still", "Latest", "Other 2"]
        last = found(s, "gleam", page=2)  # the pages go as far as the count
        assert [t["title"] for t in last["talks"]] == ["Other 1", "Other 0"] and last["next"] is None
        assert "More than 5 talks found" in search(s, "gleam").body
    finally:
        codes = s.stop_all()
    assert all(c == 0 for c in codes.values()), codes
