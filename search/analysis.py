"""Chinese-aware text analysis, shared by indexing and querying.

Stock full-text engines (SQLite FTS5 ``unicode61``, PostgreSQL ``simple``) split text on
spaces and punctuation only, so a run of Chinese characters becomes one huge token and
``数字化`` never matches ``科普青城数字化平台上线``. This module turns text into space-separated
tokens that those engines keep as they are, and turns a query into terms over the same tokens.

Index side (``index_terms``)
    Text is NFKC-normalised (full-width ``ＰＭ２．５`` becomes ``PM2.5``) and lower-cased, then
    split into CJK runs and Latin/digit words; everything else (punctuation, symbols, emoji)
    is dropped. The output has two parts:

    1. a *stream* in text order: the character bigrams of every CJK run (a one-character
       run is kept as a unigram) and every Latin/digit word with its inner punctuation
       removed (``pm2.5`` -> ``pm25``, ``covid-19`` -> ``covid19``);
    2. *extras*: the last character of every CJK run of 2+ characters, the pieces of
       dotted/hyphenated words (``pm2``, ``5``; ``covid``, ``19``) and jieba's search-mode
       words of 3+ characters (``呼和浩特``, ``一氧化碳中毒``, with the user dictionary).

Query side (``query_terms``)
    The query is normalised the same way and each CJK run is segmented by jieba (precise
    mode, same dictionary). Each word becomes a ``QueryTerm``: its bigrams, which must occur
    adjacent and in order (a phrase), so ``数字化`` -> ``"数字 字化"``. Terms are ANDed.

Why recall does not depend on how jieba segments
    A phrase of bigrams matches wherever the query word occurs *as a substring*, however
    jieba cut the surrounding document: ``呼和浩特市`` is one jieba word, so a word index
    misses the query ``呼和浩特``, but the bigrams ``呼和 和浩 浩特`` are there. Every substring
    of 2+ characters of an indexed CJK run is a run of adjacent bigrams, so it is found.
    A one-character query word is a *prefix* term (FTS5 ``"雷"*``, tsquery ``'雷':*``): it
    matches the bigrams that start with it, one-character runs, and the run-final
    characters kept in the extras, so single characters are found everywhere too. jieba's
    whole words (3+ characters; 2-character words already are bigrams) are extra tokens
    that a query may OR with the phrase, so documents that really contain the word rank
    above accidental matches across word boundaries.

    Query segmentation still matters: it decides which parts must be adjacent. Words
    segmented apart are ANDed, so ``呼和浩特沙尘暴`` finds a page mentioning both apart.
    The user dictionary keeps place names and domain terms whole (``和林格尔县`` rather than
    ``和 / 林格尔 / 县``). Common particles and question words (``的``, ``怎么办``) are dropped
    from a query that has other terms, so ``沙尘暴怎么办`` looks for ``沙尘暴``.

Limits
    Matching is substring matching: ``球拍`` finds ``乒乓球拍卖``. Phrase queries
    (``phrase_term``) that start or end with a one-character CJK run only match the same
    run boundaries. No traditional/simplified conversion is done.

The segmenter is rjieba (the Rust port of jieba, same dictionary, same algorithm: on the demo
texts its precise cuts equal jieba 0.42.1's and its search-mode cuts differ only in Latin
fragments, which ``index_terms`` drops anyway; about 15x faster), loaded lazily,
once per process and thread-safely (``segmenter()``). Its default dictionary is compiled into
the package, so nothing is fetched, cached on disk or logged; the user dictionary is added word
by word with its frequency and tag, as jieba's ``load_userdict`` does.
"""

import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

USER_DICT = Path(__file__).resolve().parent / "dictionary" / "userdict.txt"

# Scripts written without spaces, which get bigrams: Han ideographs (BMP, extension A,
# compatibility, supplementary planes), 〇, and kana letters (not the kana punctuation ゠ ・,
# which FTS5 and PostgreSQL would treat as separators).
_CJK = (
    "\u3007\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fc-\u30ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
)
# A word in a spaced script: letters/digits other than CJK, optionally joined by . - ' ’ _
_WORD_CHAR = rf"[^\W_{_CJK}]"
_TOKEN_RE = re.compile(rf"(?P<cjk>[{_CJK}]+)|(?P<word>{_WORD_CHAR}+(?:[.\-'’_]{_WORD_CHAR}+)*)")
_CJK_ONLY_RE = re.compile(rf"[{_CJK}]+")
_CONNECTOR_RE = re.compile(r"[.\-'’_]")

# Longer "words" are hashes, base64 or URLs run together: nobody searches for them, and
# PostgreSQL refuses to index lexemes over 2047 bytes.
MAX_WORD_LENGTH = 64

# Dropped from a query that has other terms, because documents rarely contain them and
# terms are ANDed. Never dropped at index time, so a query made only of them still works.
QUERY_STOPWORDS = frozenset(
    [
        # one character each
        *"的地得了着过和与及或是在之也都就而等被把对从向将于以为其吗呢吧啊呀嘛么",
        "怎么",
        "怎么办",
        "怎样",
        "怎么样",
        "如何",
        "什么",
        "为什么",
        "哪些",
        "哪里",
        "哪个",
        "是否",
        "可以",
        "能否",
        "应该",
        "需要",
        "的话",
        "一下",
        "关于",
        "有关",
        "以及",
        "还是",
        "还有",
    ]
)

_lock = threading.Lock()
_segmenter: Any = None


def _build_segmenter() -> Any:
    import rjieba

    tokenizer = rjieba.Jieba()  # our own instance: rjieba's module-level one stays untouched
    for line in USER_DICT.read_text(encoding="utf-8").splitlines():
        word, freq, tag = line.split()  # "word freq tag", checked by the analysis tests
        tokenizer.add_word(word, int(freq), tag)
    return tokenizer


def segmenter() -> Any:
    """Return the process-wide rjieba ``Jieba``, loading it on first use (well under 1 s).

    Call it at start-up (before forking workers) to pay the loading cost early. After loading,
    it only reads its dictionary, so one instance serves all threads.
    """
    global _segmenter
    tokenizer = _segmenter
    if tokenizer is None:
        with _lock:
            if _segmenter is None:
                _segmenter = _build_segmenter()
            tokenizer = _segmenter
    return tokenizer


def normalize(text: str) -> str:
    """NFKC (full-width letters, digits and punctuation to their usual forms), lower case."""
    return unicodedata.normalize("NFKC", text).lower()


def _bigrams(run: str) -> list[str]:
    if len(run) < 2:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def _split_word(word: str) -> tuple[str, list[str]]:
    """``pm2.5`` -> (``pm25``, [``pm2``, ``5``]); an over-long word -> (``""``, [])."""
    parts = _CONNECTOR_RE.split(word)
    joined = "".join(parts)
    if len(joined) > MAX_WORD_LENGTH:
        return "", []
    return joined, (parts if len(parts) > 1 else [])


def index_terms(text: str | None) -> str:
    """Return the space-separated tokens to store in the full-text index for ``text``."""
    if not text:
        return ""
    text = normalize(text)
    stream: list[str] = []
    extras: list[str] = []
    has_cjk = False
    for match in _TOKEN_RE.finditer(text):
        run = match.group("cjk")
        if run:
            has_cjk = True
            stream.extend(_bigrams(run))
            if len(run) > 1:
                extras.append(run[-1])
        else:
            joined, parts = _split_word(match.group("word"))
            if joined:
                stream.append(joined)
                extras.extend(parts)
    if has_cjk:
        # One call over the whole text: jieba splits on non-Chinese characters itself.
        extras.extend(
            word
            for word in segmenter().cut_for_search(text)
            if len(word) > 2 and _CJK_ONLY_RE.fullmatch(word)
        )
    return " ".join(stream + extras)


@dataclass(frozen=True, slots=True)
class QueryTerm:
    """One query word, expressed over index tokens.

    ``tokens`` must all occur, adjacent and in this order (a phrase when there are several);
    with ``prefix`` the last one may be the start of a longer index token.
    """

    text: str
    tokens: tuple[str, ...]
    prefix: bool = False

    @property
    def whole_word(self) -> str | None:
        """The word itself when it may also be an index token (CJK, 3+ characters).

        Matching it is optional (the bigram phrase already finds every occurrence); OR it
        with the phrase so documents where jieba saw the same word score higher.
        """
        if len(self.text) > 2 and _CJK_ONLY_RE.fullmatch(self.text):
            return self.text
        return None


def _cjk_term(word: str) -> QueryTerm:
    if len(word) == 1:
        return QueryTerm(word, (word,), prefix=True)
    return QueryTerm(word, tuple(_bigrams(word)))


def query_terms(text: str | None, *, prefix_last: bool = False) -> list[QueryTerm]:
    """Split a search query into terms, to be combined with AND (or OR).

    ``prefix_last`` makes the last term a prefix, for autocomplete while typing (CJK needs it
    only for a trailing single character: longer fragments are substrings anyway).
    """
    if not text:
        return []
    text = normalize(text)
    terms: list[QueryTerm] = []
    for match in _TOKEN_RE.finditer(text):
        run = match.group("cjk")
        if run:
            terms.extend(_cjk_term(word) for word in segmenter().cut(run))
        else:
            joined, _parts = _split_word(match.group("word"))
            if joined:
                terms.append(QueryTerm(joined, (joined,)))

    content = [term for term in terms if term.text not in QUERY_STOPWORDS]
    if content:
        terms = content
    terms = list(dict.fromkeys(terms))  # drop repeats, keep order
    if prefix_last and terms:
        terms[-1] = replace(terms[-1], prefix=True)
    return terms


def phrase_term(text: str | None) -> QueryTerm | None:
    """The whole of ``text`` as one phrase (for a quoted query), or None if it has no tokens.

    The tokens are the index stream of ``text``: its bigrams and words in order.
    """
    if not text:
        return None
    text = normalize(text)
    tokens: list[str] = []
    for match in _TOKEN_RE.finditer(text):
        run = match.group("cjk")
        if run:
            tokens.extend(_bigrams(run))
        else:
            joined, _parts = _split_word(match.group("word"))
            if joined:
                tokens.append(joined)
    if not tokens:
        return None
    single_char = len(tokens) == 1 and len(tokens[0]) == 1 and _CJK_ONLY_RE.fullmatch(tokens[0])
    return QueryTerm(" ".join(tokens), tuple(tokens), prefix=bool(single_char))


# Query syntax. Tokens hold only letters and digits, so quoting never meets a quote; it is
# escaped anyway in case that ever changes.


def _fts5_phrase(tokens: Sequence[str], prefix: bool) -> str:
    inner = " ".join(token.replace('"', '""') for token in tokens)
    return f'"{inner}"' + ("*" if prefix else "")


def fts5_query(terms: Iterable[QueryTerm], operator: str = "and") -> str:
    """Render terms as an SQLite FTS5 MATCH expression ("" when there are none).

    Each term is parenthesised: FTS5 binds AND tighter than OR.
    """
    rendered = []
    for term in terms:
        phrase = _fts5_phrase(term.tokens, term.prefix)
        if term.whole_word:
            phrase = f"({_fts5_phrase([term.whole_word], term.prefix)} OR {phrase})"
        rendered.append(phrase)
    joiner = " AND " if operator.lower() == "and" else " OR "
    return joiner.join(rendered)


def _ts_lexeme(token: str, prefix: bool = False) -> str:
    quoted = "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"
    return quoted + (":*" if prefix else "")


def tsquery(terms: Iterable[QueryTerm], operator: str = "and", *, adjacent: bool = True) -> str:
    """Render terms for PostgreSQL ``to_tsquery('simple', ...)`` ("" when there are none).

    With ``adjacent=False`` a term's bigrams are ANDed instead of chained with ``<->``:
    PostgreSQL clamps word positions at 16383, so phrases beyond that point in a very long
    field never match, while AND still does (at the cost of some precision).
    """
    link = " <-> " if adjacent else " & "
    rendered = []
    for term in terms:
        last = len(term.tokens) - 1
        lexemes = [
            _ts_lexeme(token, term.prefix and i == last) for i, token in enumerate(term.tokens)
        ]
        expr = lexemes[0] if len(lexemes) == 1 else "(" + link.join(lexemes) + ")"
        if term.whole_word:
            expr = f"({_ts_lexeme(term.whole_word, term.prefix)} | {expr})"
        rendered.append(expr)
    joiner = " & " if operator.lower() == "and" else " | "
    return joiner.join(rendered)
