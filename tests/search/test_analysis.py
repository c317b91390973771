"""The Chinese analyser: tokens, query terms, and recall through a real SQLite FTS5 table.

No Django needed: the FTS5 table is made with the stdlib sqlite3 module, with the same
definition (default unicode61 tokenizer) as Wagtail's search migration.
"""

import re
import socket
import sqlite3
import threading
import time

import pytest

from search import analysis
from search.analysis import (
    USER_DICT,
    fts5_query,
    index_terms,
    phrase_term,
    query_terms,
    segmenter,
    tsquery,
)

TOKEN = re.compile(r"^\w+$")


def tokens(text):
    return index_terms(text).split()


class FtsIndex:
    """An in-memory FTS5 table shaped like wagtailsearch_indexentry_fts."""

    def __init__(self, docs, analyse=index_terms):
        self.db = sqlite3.connect(":memory:")
        self.db.execute("CREATE VIRTUAL TABLE fts USING fts5(autocomplete, body, title)")
        self.db.executemany(
            "INSERT INTO fts(rowid, title, body) VALUES (?, ?, ?)",
            [(i, analyse(title), analyse(body)) for i, (title, body) in enumerate(docs, 1)],
        )

    def match(self, expression):
        if not expression:
            return []
        rows = self.db.execute(
            "SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY rowid",
            ["{title body} : (" + expression + ")"],
        )
        return [row[0] for row in rows]

    def search(self, query, operator="and"):
        return self.match(fts5_query(query_terms(query), operator))


DOCS = [
    ("科普青城数字化平台上线", "呼和浩特市科协推出科普青城数字化平台，市民可在线学习科学知识。"),
    ("冬季谨防一氧化碳中毒", "他在呼和浩特市新城区工作。燃煤取暖要注意通风，安装报警器。"),
    ("沙尘暴来了怎么办", "关好门窗，外出佩戴口罩。PM2.5浓度升高时减少户外活动。"),
    ("5G网络覆盖和林格尔县", "农牧民通过手机学习农业技术。雨天别在空旷处打电话，小心打雷。"),
]


@pytest.fixture(scope="module")
def fts():
    return FtsIndex(DOCS)


# --- the segmenter -----------------------------------------------------------------------


def dictionary_words():
    with USER_DICT.open(encoding="utf-8") as lines:
        return [line.split()[0] for line in lines if line.strip()]


def test_user_dictionary_is_well_formed():
    pattern = re.compile(r"^\S+ \d+ [a-z]+$")  # jieba's "word freq tag"
    lines = USER_DICT.read_text(encoding="utf-8").splitlines()
    assert lines
    assert all(pattern.match(line) for line in lines)
    for word in ["呼和浩特", "青城", "大青山", "敕勒川", "土默川", "赛罕区", "土默特左旗"]:
        assert word in dictionary_words()


@pytest.mark.parametrize("word", dictionary_words())
def test_every_dictionary_word_is_one_segment_in_context(word):
    assert word in segmenter().cut(f"关于{word}的科普知识")


def test_dictionary_does_not_swallow_neighbouring_words():
    # 大召 (the temple) must not break 盛大 / 召开
    assert segmenter().cut("盛大召开科普大会") == ["盛大", "召开", "科普", "大会"]


def test_segmenter_is_loaded_once_across_threads(monkeypatch):
    calls = []

    def slow_build():
        calls.append(1)
        time.sleep(0.05)  # widen the race window
        return object()

    monkeypatch.setattr(analysis, "_segmenter", None)
    monkeypatch.setattr(analysis, "_build_segmenter", slow_build)
    results = []
    threads = [threading.Thread(target=lambda: results.append(segmenter())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert len({id(result) for result in results}) == 1


def test_segmenter_loads_offline_with_the_user_dictionary(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the segmenter tried to open a socket")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    tokenizer = analysis._build_segmenter()
    assert tokenizer is not segmenter(), "a fresh instance, not the shared one"
    # one word only with the user dictionary (rjieba alone cuts 敕勒川 / 草原)
    assert tokenizer.cut("敕勒川草原") == ["敕勒川草原"]


# --- index tokens --------------------------------------------------------------------------


def test_dictionary_words_are_kept_whole_in_the_index():
    assert "呼和浩特" in tokens("呼和浩特是内蒙古自治区首府")
    assert "敕勒川" in tokens("敕勒川草原的夏天")
    assert "一氧化碳中毒" in tokens("冬季谨防一氧化碳中毒")
    assert "和林格尔县" in tokens("和林格尔县的农牧民")


def test_cjk_runs_become_bigrams_plus_the_final_character():
    assert index_terms("科普青城") == "科普 普青 青城 城"
    assert index_terms("雷") == "雷"


def test_punctuation_and_symbols_are_dropped():
    result = tokens("科普，青城！《数字化》——“平台”上线…… (test) 😀 @#%")
    assert result
    assert all(TOKEN.match(token) for token in result)
    assert "科普" in result
    assert "test" in result


def test_mixed_scripts_keep_latin_and_digit_words_whole():
    assert tokens("5G网络")[:2] == ["5g", "网络"]
    result = tokens("PM2.5浓度")
    assert result[:2] == ["pm25", "浓度"]
    assert {"pm2", "5"} <= set(result)  # the pieces too
    result = tokens("COVID-19疫苗")
    assert result[0] == "covid19"
    assert {"covid", "19"} <= set(result)
    assert tokens("Wagtail 8.0.1 and Django")[:2] == ["wagtail", "801"]


def test_full_width_text_is_nfkc_normalised():
    assert tokens("ＰＭ２．５浓度")[:2] == ["pm25", "浓度"]
    assert tokens("５Ｇ网络")[:2] == ["5g", "网络"]
    assert index_terms("ＡＢＣ\u3000ｄｅｆ") == "abc def"  # full-width letters, ideographic space
    assert query_terms("ＰＭ２．５") == query_terms("pm2.5")


@pytest.mark.parametrize("blank", [None, "", "   ", "\n\t\u3000 ", "，。！？、……", "😀"])
def test_empty_and_blank_input(blank):
    assert index_terms(blank) == ""
    assert query_terms(blank) == []
    assert phrase_term(blank) is None
    assert fts5_query(query_terms(blank)) == ""
    assert tsquery(query_terms(blank)) == ""


def test_overlong_words_are_not_indexed():
    assert index_terms("a" * 65 + " 科普") == "科普 普"


# --- query terms ---------------------------------------------------------------------------


def test_query_words_become_bigram_phrases():
    (term,) = query_terms("数字化")
    assert term.tokens == ("数字", "字化")
    assert term.whole_word == "数字化"
    (term,) = query_terms("科普")
    assert term.tokens == ("科普",)
    assert term.whole_word is None  # a 2-character word is its own bigram


def test_query_words_are_split_by_the_dictionary():
    assert [t.text for t in query_terms("呼和浩特沙尘暴")] == ["呼和浩特", "沙尘暴"]
    assert [t.text for t in query_terms("和林格尔县")] == ["和林格尔县"]


def test_single_characters_are_prefix_terms():
    (term,) = query_terms("雷")
    assert term.tokens == ("雷",)
    assert term.prefix


def test_particles_and_question_words_are_dropped_unless_alone():
    assert [t.text for t in query_terms("沙尘暴怎么办")] == ["沙尘暴"]
    assert [t.text for t in query_terms("大青山的雪")] == ["大青山", "雪"]
    assert [t.text for t in query_terms("的")] == ["的"]


def test_repeated_words_are_queried_once():
    assert [t.text for t in query_terms("科普 科普 5G 5g")] == ["科普", "5g"]


def test_prefix_last_for_autocomplete():
    terms = query_terms("科普 wag", prefix_last=True)
    assert [(t.text, t.prefix) for t in terms] == [("科普", False), ("wag", True)]


def test_fts5_and_tsquery_syntax():
    terms = query_terms("呼和浩特 雷 PM2.5")
    assert fts5_query(terms) == ('("呼和浩特" OR "呼和 和浩 浩特") AND "雷"* AND "pm25"')
    assert fts5_query(terms, "or") == ('("呼和浩特" OR "呼和 和浩 浩特") OR "雷"* OR "pm25"')
    assert tsquery(terms) == ("('呼和浩特' | ('呼和' <-> '和浩' <-> '浩特')) & '雷':* & 'pm25'")
    assert tsquery(query_terms("数字化"), adjacent=False) == "('数字化' | ('数字' & '字化'))"


# --- recall, end to end through SQLite FTS5 -----------------------------------------------


def test_stock_fts5_cannot_find_chinese_words():
    """The bug being fixed: unicode61 makes each run of Chinese characters one token."""
    stock = FtsIndex(DOCS, analyse=lambda text: text)
    assert stock.match('"数字化"') == []
    assert stock.match('"科普"') == []


def test_sub_words_are_found(fts):
    assert fts.search("数字化") == [1]
    assert fts.search("科普") == [1]
    assert fts.search("平台上线") == [1]


def test_word_segmented_differently_in_the_document_is_found(fts):
    # In the document jieba sees one word, 呼和浩特市; its search mode adds only 2- and
    # 3-character sub-words, so a word index holds no 呼和浩特 for doc 2 ...
    body = DOCS[1][1]
    assert "呼和浩特市" in segmenter().cut(body)
    assert "呼和浩特" not in segmenter().cut_for_search(body)
    # ... the query segments 呼和浩特 on its own, yet the bigram phrase finds both pages.
    assert [t.text for t in query_terms("呼和浩特")] == ["呼和浩特"]
    assert fts.search("呼和浩特") == [1, 2]
    # and the other way round: the query word 城区 is inside the document word 新城区
    assert "城区" not in segmenter().cut(body)
    assert fts.search("城区") == [2]


def test_every_substring_of_indexed_chinese_text_is_found():
    text = "敕勒川草原开展节约用水科普活动"
    index = FtsIndex([(text, "")])
    for length in range(1, len(text) + 1):
        for start in range(len(text) - length + 1):
            query = text[start : start + length]
            assert index.search(query) == [1], query


def test_single_character_is_found_anywhere_in_a_run(fts):
    # 雷 ends the run 打雷 in doc 4: only the run-final unigram makes it findable
    assert fts.search("雷") == [4]
    assert fts.search("尘") == [3]


def test_words_apart_are_anded(fts):
    assert fts.search("呼和浩特沙尘暴") == []
    assert fts.search("呼和浩特 科普") == [1]
    assert fts.search("呼和浩特 科普", operator="or") == [1, 2]
    assert fts.search("沙尘暴怎么办") == [3]


def test_latin_and_mixed_queries(fts):
    assert fts.search("5G") == [4]
    assert fts.search("ＰＭ２．５") == [3]
    assert fts.search("pm2.5 浓度") == [3]
    assert fts.search("5G网络 和林格尔县") == [4]


def test_phrase_requires_order_and_adjacency(fts):
    assert fts.match(fts5_query([phrase_term("数字化平台")])) == [1]
    assert fts.match(fts5_query([phrase_term("平台数字化")])) == []


def test_whole_word_ranks_above_match_across_word_boundary():
    # Both documents contain the characters 研究生, but only in the second is it a word
    # (graduate student); the first is 研究 / 生命 (studying life). Both match; the whole
    # word token ORed into the query ranks the real word first.
    docs = [("", "研究生命起源的科学家"), ("", "研究生招生考试")]
    assert "研究生" not in segmenter().cut_for_search(docs[0][1])
    index = FtsIndex(docs)
    assert index.search("研究生") == [1, 2]
    expression = "{title body} : (" + fts5_query(query_terms("研究生")) + ")"
    ranked = index.db.execute(
        "SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY bm25(fts)", [expression]
    )
    assert [row[0] for row in ranked] == [2, 1]
