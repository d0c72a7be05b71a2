# -*- coding: utf-8 -*-
"""Message payload building and validation (wecom/messages.py, docs/WECOM_API.md §7)."""
import pytest

from wecom.errors import WecomValidationError
from wecom.messages import (
    MAX_PARTIES,
    MAX_TAGS,
    MAX_USERS,
    MESSAGE_TYPES,
    build_payload,
    byte_report,
    split_recipients,
    utf8_len,
)

URL = "https://erp.example.com/web#id=1"


def fails(field, **kwargs):
    with pytest.raises(WecomValidationError) as info:
        build_payload(**kwargs)
    assert info.value.field == field, str(info.value)
    assert isinstance(info.value, ValueError)
    assert str(info.value)             # a clear message
    assert info.value.message_zh       # and a Chinese one
    return info.value


# ----------------------------------------------------------------------------- basics
def test_utf8_len():
    assert utf8_len("") == 0
    assert utf8_len(None) == 0
    assert utf8_len("abc") == 3
    assert utf8_len("中文") == 6
    assert utf8_len("é") == 2
    assert utf8_len("😀") == 4


def test_text_payload_shape():
    payload = build_payload("text", content="你好", touser=["zhangsan", "lisi"], toparty=[2],
                            totag=[1], agent_id="1000002")
    assert payload == {
        "touser": "zhangsan|lisi", "toparty": "2", "totag": "1", "msgtype": "text",
        "agentid": 1000002, "text": {"content": "你好"}, "safe": 0, "enable_duplicate_check": 0,
    }


def test_agent_id_optional_and_validated():
    assert "agentid" not in build_payload("text", content="x", touser=["a"])
    fails("agent_id", msgtype="text", content="x", touser=["a"], agent_id="abc")


def test_markdown_textcard_news_shapes():
    md = build_payload("markdown", content="**bold**", touser=["a"])
    assert md["markdown"] == {"content": "**bold**"} and "safe" not in md
    card = build_payload("textcard", title="标题", content="<div>desc</div>", url=URL, btntxt="更多",
                         touser=["a"])
    assert card["textcard"] == {"title": "标题", "description": "<div>desc</div>", "url": URL,
                                "btntxt": "更多"}
    card = build_payload("textcard", title="t", content="d", url=URL, touser=["a"])
    assert "btntxt" not in card["textcard"]
    news = build_payload("news", articles=[{"title": "t", "url": URL, "picurl": URL,
                                            "description": "d"}], touser=["a"])
    assert news["news"] == {"articles": [{"title": "t", "description": "d", "url": URL,
                                          "picurl": URL}]}


def test_unknown_msgtype():
    err = fails("msgtype", msgtype="mpnews2", content="x", touser=["a"])
    assert "mpnews2" in str(err)
    assert set(("text", "textcard", "markdown", "news")) <= set(MESSAGE_TYPES)


@pytest.mark.parametrize("content", [None, "", "   \n"])
@pytest.mark.parametrize("msgtype", ["text", "markdown"])
def test_empty_content(msgtype, content):
    fails("content", msgtype=msgtype, content=content, touser=["a"])


def test_content_must_be_text():
    fails("content", msgtype="text", content=123, touser=["a"])


# ----------------------------------------------------------------------------- byte limits
@pytest.mark.parametrize("msgtype", ["text", "markdown"])
def test_content_limit_ascii(msgtype):
    build_payload(msgtype, content="a" * 2048, touser=["a"])
    err = fails("content", msgtype=msgtype, content="a" * 2049, touser=["a"])
    assert "2049" in str(err) and "2048" in str(err)


@pytest.mark.parametrize("msgtype", ["text", "markdown"])
def test_content_limit_chinese(msgtype):
    # 682 Chinese characters = 2046 bytes, + "ab" = 2048: passes; one more byte fails.
    build_payload(msgtype, content="中" * 682 + "ab", touser=["a"])
    fails("content", msgtype=msgtype, content="中" * 682 + "abc", touser=["a"])
    # 683 characters are 2049 bytes although only 683 characters long
    err = fails("content", msgtype=msgtype, content="中" * 683, touser=["a"])
    assert "2049 bytes" in str(err)


def test_textcard_limits():
    base = dict(msgtype="textcard", title="t", content="d", url=URL, touser=["a"])
    build_payload(**dict(base, title="标" * 42 + "ab"))              # 128 bytes
    fails("title", **dict(base, title="标" * 42 + "abc"))            # 129 bytes
    build_payload(**dict(base, content="述" * 170 + "ab"))           # 512 bytes
    fails("content", **dict(base, content="述" * 170 + "abc"))       # 513 bytes
    long_url = "https://e.com/" + "a" * (2048 - 14)
    assert utf8_len(long_url) == 2048
    build_payload(**dict(base, url=long_url))
    fails("url", **dict(base, url=long_url + "a"))
    build_payload(**dict(base, btntxt="查看详情"))                    # 4 characters (12 bytes)
    fails("btntxt", **dict(base, btntxt="查看详情啊"))
    build_payload(**dict(base, btntxt="more"))
    fails("btntxt", **dict(base, btntxt="more!"))


def test_textcard_requires_title_description_url():
    base = dict(msgtype="textcard", title="t", content="d", url=URL, touser=["a"])
    fails("title", **dict(base, title=None))
    fails("title", **dict(base, title=""))
    fails("content", **dict(base, content=None))
    fails("url", **dict(base, url=None))


@pytest.mark.parametrize("url", ["www.example.com", "ftp://example.com/x", "javascript:alert(1)",
                                 "https://", "https://exa mple.com", "//example.com"])
def test_url_needs_http_scheme(url):
    fails("url", msgtype="textcard", title="t", content="d", url=url, touser=["a"])


def test_url_http_and_https_pass():
    for url in ("http://a.cn/x", "HTTPS://a.cn/x?y=1&z=中文"):
        build_payload("textcard", title="t", content="d", url=url, touser=["a"])


def test_news_articles():
    art = {"title": "t", "url": URL}
    build_payload("news", articles=[art] * 8, touser=["a"])
    fails("articles", msgtype="news", articles=[art] * 9, touser=["a"])
    fails("articles", msgtype="news", articles=[], touser=["a"])
    fails("articles", msgtype="news", articles=None, touser=["a"])
    fails("articles", msgtype="news", articles="not a list", touser=["a"])
    fails("articles[1].title", msgtype="news", articles=[art, {"url": URL}], touser=["a"])
    fails("articles[0].title", msgtype="news", articles=[{"title": "题" * 43, "url": URL}],
          touser=["a"])
    build_payload("news", articles=[{"title": "题" * 42 + "ab", "url": URL}], touser=["a"])
    fails("articles[0].description", msgtype="news",
          articles=[{"title": "t", "url": URL, "description": "d" * 513}], touser=["a"])
    fails("articles[0].url", msgtype="news", articles=[{"title": "t", "url": "example.com"}],
          touser=["a"])
    fails("articles[0].url", msgtype="news", articles=[{"title": "t"}], touser=["a"])
    fails("articles[0].picurl", msgtype="news",
          articles=[{"title": "t", "url": URL, "picurl": "x.png"}], touser=["a"])
    fails("articles[0]", msgtype="news", articles=[{"title": "t", "url": URL, "tilte": "x"}],
          touser=["a"])
    fails("articles[0]", msgtype="news", articles=["t"], touser=["a"])
    # a mini-program article needs no url
    payload = build_payload("news", articles=[{"title": "t", "appid": "wx1", "pagepath": "p"}],
                            touser=["a"])
    assert payload["news"]["articles"][0] == {"title": "t", "appid": "wx1", "pagepath": "p"}


def test_media_types():
    assert build_payload("image", media_id="MEDIA", touser=["a"])["image"] == {"media_id": "MEDIA"}
    fails("media_id", msgtype="file", touser=["a"])
    video = build_payload("video", media_id="M", title="t", content="d", touser=["a"])
    assert video["video"] == {"media_id": "M", "title": "t", "description": "d"}


# ----------------------------------------------------------------------------- recipients
def test_no_recipients():
    fails("recipients", msgtype="text", content="x")
    fails("recipients", msgtype="text", content="x", touser=[], toparty=[], totag=[])
    fails("recipients", msgtype="text", content="x", touser=["", "  "])


def test_to_all_explicit():
    payload = build_payload("text", content="x", to_all=True)
    assert payload["touser"] == "@all"
    assert "toparty" not in payload and "totag" not in payload
    fails("to_all", msgtype="text", content="x", to_all=True, touser=["a"])
    fails("to_all", msgtype="text", content="x", to_all=True, toparty=[1])
    fails("to_all", msgtype="text", content="x", to_all=True, totag=[1])


@pytest.mark.parametrize("touser", [["@all"], ["a", "@all"], "@all", "a|@ALL"])
def test_literal_at_all_rejected(touser):
    err = fails("touser", msgtype="text", content="x", touser=touser)
    assert "to_all" in str(err)


def test_dedupe_preserves_order():
    payload = build_payload("text", content="x", touser=["b", "a", "b", "A", "c"],
                            toparty=[3, "3", 1, 3], totag=["2", 2, 5])
    assert payload["touser"] == "b|a|c"           # userids are case-insensitive in WeCom
    assert payload["toparty"] == "3|1"
    assert payload["totag"] == "2|5"


def test_pipe_strings_and_ints_accepted():
    payload = build_payload("text", content="x", touser="zhang|li", toparty="1|2", totag=7)
    assert payload["touser"] == "zhang|li"
    assert payload["toparty"] == "1|2"
    assert payload["totag"] == "7"


@pytest.mark.parametrize("userid", ["bad id", "a" * 65, "中文", "a|b", "x/y", "ta\tb"])
def test_invalid_userids(userid):
    fails("touser", msgtype="text", content="x", touser=[userid])


def test_userids_are_stripped_and_empty_pipe_parts_skipped():
    assert build_payload("text", content="x", touser=[" a\t"])["touser"] == "a"
    assert build_payload("text", content="x", touser="a||b|")["touser"] == "a|b"


def test_valid_userids():
    build_payload("text", content="x", touser=["a" * 64, "Zhang.San-1_x@corp", "007", 123])


@pytest.mark.parametrize("party", ["abc", -1, 0, "1.5", True, 2 ** 32, None])
def test_invalid_party_and_tag_ids(party):
    fails("toparty", msgtype="text", content="x", toparty=[party])
    fails("totag", msgtype="text", content="x", totag=[party])


def test_recipient_limits():
    users = ["u%d" % i for i in range(MAX_USERS)]
    build_payload("text", content="x", touser=users)
    fails("touser", msgtype="text", content="x", touser=users + ["extra"])
    build_payload("text", content="x", toparty=range(1, MAX_PARTIES + 1))
    fails("toparty", msgtype="text", content="x", toparty=range(1, MAX_PARTIES + 2))
    build_payload("text", content="x", totag=range(1, MAX_TAGS + 1))
    fails("totag", msgtype="text", content="x", totag=range(1, MAX_TAGS + 2))


# ----------------------------------------------------------------------------- other options
def test_safe_and_duplicate_check():
    payload = build_payload("text", content="x", touser=["a"], safe=1,
                            enable_duplicate_check=True, duplicate_check_interval=600)
    assert payload["safe"] == 1
    assert payload["enable_duplicate_check"] == 1
    assert payload["duplicate_check_interval"] == 600
    assert build_payload("text", content="x", touser=["a"],
                         enable_duplicate_check=True)["duplicate_check_interval"] == 1800
    build_payload("text", content="x", touser=["a"], enable_duplicate_check=True,
                  duplicate_check_interval=14400)
    fails("duplicate_check_interval", msgtype="text", content="x", touser=["a"],
          enable_duplicate_check=True, duplicate_check_interval=14401)
    fails("duplicate_check_interval", msgtype="text", content="x", touser=["a"],
          enable_duplicate_check=True, duplicate_check_interval=0)
    fails("safe", msgtype="text", content="x", touser=["a"], safe=2)
    fails("safe", msgtype="markdown", content="x", touser=["a"], safe=1)


# ----------------------------------------------------------------------------- chunking
def test_split_recipients_2500_users_150_parties():
    users = ["u%04d" % i for i in range(2500)]
    parties = list(range(1, 151))
    chunks = split_recipients(users, parties, [7])
    assert len(chunks) == 3
    assert [len(c[0]) for c in chunks] == [1000, 1000, 500]
    assert [len(c[1]) for c in chunks] == [100, 50, 0]
    assert [len(c[2]) for c in chunks] == [1, 0, 0]
    assert sum((list(c[0]) for c in chunks), []) == users
    assert sum((list(c[1]) for c in chunks), []) == parties
    assert all(isinstance(part, tuple) for c in chunks for part in c)
    # each chunk is a valid payload on its own
    for u, p, t in chunks:
        build_payload("text", content="x", touser=u, toparty=p, totag=t)


def test_split_recipients_boundaries_and_dedupe():
    assert len(split_recipients(["u%d" % i for i in range(1000)], [], [])) == 1
    assert len(split_recipients(["u%d" % i for i in range(1001)], [], [])) == 2
    assert len(split_recipients([], range(1, 201), [])) == 2
    assert len(split_recipients([], [], range(1, 202))) == 3
    assert split_recipients([], [], []) == [((), (), ())]
    # duplicates do not create extra chunks
    assert len(split_recipients(["a"] * 5000, [], [])) == 1
    with pytest.raises(WecomValidationError):
        split_recipients(["@all"], [], [])


# ----------------------------------------------------------------------------- preview
def test_byte_report():
    rows = byte_report("textcard", content="述" * 171, title="标题", url=URL, btntxt="查看详情啊")
    by_field = {r["field"]: r for r in rows}
    assert by_field["title"] == dict(by_field["title"], bytes=6, limit=128, ok=True)
    assert by_field["content"]["bytes"] == 513 and by_field["content"]["ok"] is False
    assert by_field["url"]["ok"] is True
    assert by_field["btntxt"]["limit"] == 4 and by_field["btntxt"]["ok"] is False
    assert by_field["btntxt"]["unit"] == "characters"
    text = byte_report("text", content="中" * 683)
    assert text == [dict(text[0], field="content", bytes=2049, limit=2048, ok=False)]
    assert byte_report("text", content="中" * 682)[0]["ok"] is True
    assert byte_report("text", content="")[0]["ok"] is False
