"""``manage.py ingest_cap`` and the poll of ``CAP_SOURCES``: real-looking Chinese CAP messages
in, alerts out; attacks and messages this platform cannot use refused with nothing written; and
a message produced here reads back as the same alert."""

import functools
import http.server
import io
import threading
from pathlib import Path

import capvalidator
import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from wagtail.models import ModelLogEntry

from alerts import cap, capmap, ingest, issuing
from alerts.models import Alert, AlertAck, Stage
from tests.content.factories import EmergencyGuidePageFactory, publish

from .factories import issue, make_alert
from .samples import FIXTURES, current, write_current

pytestmark = pytest.mark.django_db

BAD = sorted((FIXTURES / "bad").iterdir())


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("ingest_cap", *map(str, args), stdout=out, stderr=err)
    except CommandError as error:
        return False, out.getvalue(), err.getvalue() + str(error)
    return True, out.getvalue(), err.getvalue()


@pytest.fixture
def samples(tmp_path):
    write_current(
        tmp_path,
        "cold_wave_blue.xml",
        "cold_wave_yellow_update.xml",
        "sandstorm_yellow.xml",
        "sandstorm_cancel.xml",
        "blizzard_orange.xml",
        "earthquake_red.xml",
        "earthquake_exercise.xml",
    )
    return tmp_path


def test_a_message_becomes_an_alert_awaiting_a_confirmer(samples, site_tree):
    ok, out, _err = run(samples / "cold_wave_blue.xml")
    assert ok, out
    alert = Alert.objects.get(identifier="15010041600000_20261207080000")
    assert alert.stage == Stage.AWAITING and alert.status == "Actual"
    assert (alert.event, alert.severity, alert.colour) == ("寒潮蓝色预警", "Minor", "blue")
    assert alert.sender == "hhhtqxt@nm.cma.gov.cn" and alert.sender_name == "呼和浩特市气象台"
    assert list(alert.areas.values_list("code", flat=True)) == ["150100"]
    assert alert.instruction_lines[0] == "注意添衣保暖，老人儿童减少外出"
    assert "等待“应急发布审核”确认" in out
    assert ModelLogEntry.objects.filter(object_id=str(alert.pk), action="alerts.ingest").exists()
    assert not Alert.objects.active().exists()
    # Awaiting its confirmer it is nobody's business but the desk's, although it has a `sent`.
    client = Client()
    assert client.get(f"/alerts/{alert.identifier}/").status_code == 404
    assert client.get(f"/alerts/cap/{alert.identifier}.xml").status_code == 404
    assert alert.identifier.encode() not in client.get("/alerts/feed/").content
    # Reading it again changes nothing.
    ok, out, _err = run(samples / "cold_wave_blue.xml")
    assert ok and "已存在" in out
    assert Alert.objects.count() == 1


def test_with_issue_it_goes_out_at_once(samples, site_tree):
    ok, out, _err = run(samples / "blizzard_orange.xml", "--issue")
    assert ok, out
    alert = Alert.objects.get()
    assert alert.stage == Stage.ISSUED and alert.confirmed_by is None
    assert sorted(alert.areas.values_list("code", flat=True)) == ["150121", "150125"]
    assert list(Alert.objects.active()) == [alert]
    entry = ModelLogEntry.objects.get(object_id=str(alert.pk), action="alerts.issue")
    assert str(samples / "blizzard_orange.xml") in entry.data["reason"]


def test_the_update_and_cancel_chain(samples, site_tree):
    assert run(samples / "cold_wave_blue.xml", "--issue")[0]
    assert run(samples / "cold_wave_yellow_update.xml", "--issue")[0]
    blue = Alert.objects.get(identifier="15010041600000_20261207080000")
    yellow = Alert.objects.get(identifier="15010041600000_20261208060000")
    assert blue.stage == Stage.SUPERSEDED and yellow.replaces == blue
    assert (yellow.msg_type, yellow.colour) == ("Update", "yellow")
    assert list(Alert.objects.active()) == [yellow]

    assert run(samples / "sandstorm_yellow.xml", "--issue")[0]
    ok, out, _err = run(samples / "sandstorm_cancel.xml")
    assert ok, out
    cancel = Alert.objects.get(identifier="15010041600000_20261208100000")
    assert cancel.msg_type == "Cancel" and cancel.stage == Stage.AWAITING
    # A cancel read without --issue waits for a confirmer like any other message.
    confirmer = __import__("tests.alerts.factories", fromlist=["make_person"]).make_person("c")
    issuing.confirm(cancel, confirmer)
    sandstorm = Alert.objects.get(identifier="15010041600000_20261207143000")
    assert sandstorm.stage == Stage.CANCELLED
    assert list(Alert.objects.active()) == [yellow]


def test_an_update_or_cancel_of_an_unknown_alert_is_refused(samples, site_tree):
    for name in ("cold_wave_yellow_update.xml", "sandstorm_cancel.xml"):
        ok, _out, err = run(samples / name, "--issue")
        assert not ok
        assert "所引用的预警在本平台不存在" in err
    assert Alert.objects.count() == 0


@pytest.mark.parametrize("sample", BAD, ids=lambda path: path.name)
def test_attacks_and_broken_messages_are_refused_and_write_nothing(sample, site_tree):
    ok, _out, err = run(sample, "--issue")
    assert not ok
    assert "拒绝" in err or "无法" in err or "不是" in err, err
    assert "root:" not in err  # nothing of /etc/passwd
    assert Alert.objects.count() == 0 and ModelLogEntry.objects.count() == 0


def test_a_message_for_another_city_is_refused(site_tree, tmp_path):
    text = current("cold_wave_blue.xml").replace(b"<value>150100</value>", b"<value>150200</value>")
    path = tmp_path / "baotou.xml"
    path.write_bytes(text)
    ok, _out, err = run(path, "--issue")
    assert not ok and "不在本平台范围内" in err
    assert Alert.objects.count() == 0


def test_a_province_wide_message_covers_the_whole_city(site_tree, tmp_path):
    text = current("cold_wave_blue.xml").replace(b"<value>150100</value>", b"<value>150000</value>")
    path = tmp_path / "province.xml"
    path.write_bytes(text)
    assert run(path, "--issue")[0]
    assert list(Alert.objects.get().areas.values_list("code", flat=True)) == ["150100"]


def test_long_instructions_are_replaced_by_a_matching_explainers_lines(site_tree, tmp_path):
    guide = EmergencyGuidePageFactory(
        title="寒潮来了怎么办", hazard="cold_wave", actions="添衣保暖\n减少外出\n防范煤气中毒"
    )
    publish(guide)
    text = current("cold_wave_blue.xml").replace(
        "外出注意防风防滑".encode(), ("外出注意防风防滑" + "并且" * 20).encode()
    )
    path = tmp_path / "long.xml"
    path.write_bytes(text)
    ok, out, _err = run(path, "--issue")
    assert ok, out
    alert = Alert.objects.get()
    assert alert.instruction_lines == ["添衣保暖", "减少外出", "防范煤气中毒"]
    assert list(alert.explainers.all()) == [guide]
    assert "关联应急科普" in out


def test_long_instructions_without_an_explainer_make_a_draft_or_are_refused(site_tree, tmp_path):
    text = current("sandstorm_yellow.xml")
    lines = cap.parse(text).info.instruction
    path = tmp_path / "long.xml"
    path.write_bytes(text.replace(lines.encode(), ("很长" * 20).encode()))
    ok, _out, err = run(path, "--issue")
    assert not ok and "3—6 条" in err
    assert Alert.objects.count() == 0
    ok, out, _err = run(path)
    assert ok and "草稿" in out
    assert Alert.objects.get().stage == Stage.DRAFT


def test_a_message_produced_here_reads_back_as_the_same_alert(drafter, confirmer, site_tree):
    original = issue(
        make_alert(areas=("150102", "150105"), created_by=drafter, severity="Severe"),
        drafter,
        confirmer,
    )
    produced = capmap.render(original)
    assert capvalidator.check_schema(produced).passed
    assert cap.validate(produced) == []
    fields = [
        "identifier",
        "sender",
        "sender_name",
        "sent",
        "status",
        "msg_type",
        "category",
        "event",
        "urgency",
        "severity",
        "certainty",
        "onset",
        "expires",
        "headline",
        "description",
        "instruction",
    ]
    before = {name: getattr(original, name) for name in fields}
    before["sent"] = before["sent"].replace(microsecond=0)
    before["onset"] = before["onset"].replace(microsecond=0)
    before["expires"] = before["expires"].replace(microsecond=0)
    areas = sorted(original.areas.values_list("code", flat=True))
    AlertAck.objects.all().delete()
    ModelLogEntry.objects.all().delete()
    Alert.objects.all().delete()

    outcome = ingest.ingest_bytes(produced, source="round trip", issue=True)
    again = outcome.alert
    assert {name: getattr(again, name) for name in fields} == before
    assert sorted(again.areas.values_list("code", flat=True)) == areas
    assert again.stage == Stage.ISSUED
    assert capmap.render(again) == produced


def test_an_update_and_a_cancel_produced_here_reference_their_alert(drafter, confirmer, site_tree):
    first = issue(make_alert(created_by=drafter), drafter, confirmer)
    update = issue(issuing.draft_update(first, drafter), drafter, confirmer)
    cancel = issuing.cancel(Alert.objects.get(pk=update.pk), drafter, "寒潮结束")
    for alert in (first, update, cancel):
        body = capmap.render(Alert.objects.get(pk=alert.pk))
        assert capvalidator.check_schema(body).passed, body
    message = cap.parse(capmap.render(cancel))
    assert message.msg_type == "Cancel" and message.note == "寒潮结束"
    assert message.references[0][1] == update.identifier


class FixtureServer:
    """A real HTTP server on loopback serving a directory, counting requests."""

    def __init__(self, directory):
        self.requests = []
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):
                server.requests.append(self.path)

        handler = functools.partial(Handler, directory=str(directory))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def atom_index(*names):
    entries = "".join(
        f"<entry><id>urn:test:{name}</id><title>{name}</title>"
        f"<updated>2026-12-07T08:00:00+08:00</updated>"
        f'<link rel="alternate" type="application/cap+xml" href="cap/{name}"/></entry>'
        for name in names
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<id>urn:test:index</id><title>测试</title><updated>2026-12-07T08:00:00+08:00</updated>"
        f"{entries}</feed>"
    ).encode()


def test_cap_sources_are_polled_with_a_severity_rule_per_source(site_tree, tmp_path, settings):
    names = ["cold_wave_blue.xml", "blizzard_orange.xml", "earthquake_red.xml"]
    write_current(tmp_path / "cap", *names)
    (tmp_path / "index.atom").write_bytes(atom_index(*names, "missing.xml"))
    with FixtureServer(tmp_path) as server:
        settings.CAP_SOURCES = f"{server.url}index.atom|Extreme,Severe"
        summary = ingest.poll_sources()
        assert summary == "issued 2, awaiting 1, refused 1"
        stages = dict(Alert.objects.values_list("event", "stage"))
        assert stages["寒潮蓝色预警"] == Stage.AWAITING
        assert stages["暴雪橙色预警"] == Stage.ISSUED
        assert [a.severity for a in Alert.objects.active()] == ["Extreme"] or len(
            Alert.objects.active()
        ) == 2
        # Polling again writes nothing new.
        fetched = len(server.requests)
        assert ingest.poll_sources() == "refused 1"
        assert Alert.objects.count() == 3
        assert len(server.requests) > fetched


def test_a_bad_cap_sources_setting_is_named(settings):
    with pytest.raises(ingest.IngestError, match="级别无效"):
        ingest.parse_sources("https://a.example/index.atom|Red")
    with pytest.raises(ingest.IngestError, match="地址无效"):
        ingest.parse_sources("ftp://a.example/index.atom")
    sources = ingest.parse_sources("https://a.example/x.atom|Extreme, Severe;\nfile:///srv/cap.xml")
    assert [s.url for s in sources] == ["https://a.example/x.atom", "file:///srv/cap.xml"]
    assert sources[0].issues("Severe") and not sources[1].issues("Extreme")


def test_an_index_file_is_read_message_by_message(site_tree, tmp_path):
    names = ["sandstorm_yellow.xml", "earthquake_exercise.xml"]
    write_current(tmp_path / "cap", *names)
    index = tmp_path / "index.atom"
    index.write_bytes(atom_index(*names))
    ok, out, _err = run(index, "--issue")
    assert ok, out
    assert "[2/2]" in out
    exercise = Alert.objects.get(status="Exercise")
    assert exercise.label == "演练" and exercise.stage == Stage.ISSUED
    assert Path(index).exists()
