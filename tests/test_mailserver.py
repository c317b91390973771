"""The suite's SMTP server answers as a real one would: it keeps what it accepts, and refuses
the recipients it is told to with the codes Django's SMTP backend then raises."""

import smtplib

import pytest
from django.core.mail import EmailMessage, get_connection, send_mail


def test_django_mail_arrives_with_its_utf8_subject(mail_server):
    send_mail("科普简报", "正文", "科普青城 <noreply@example.cn>", ["reader@example.cn"])

    (received,) = mail_server.wait_for(1)
    assert received.recipients == ["reader@example.cn"]
    assert received.message["Subject"] == "科普简报"
    assert received.message.get_content().strip() == "正文"


def test_temporary_refusal_only_the_first_times(mail_server):
    mail_server.refuse("busy@example.cn", code=451, times=2)

    for _attempt in range(2):
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            send_mail("s", "b", "noreply@example.cn", ["busy@example.cn"])
        assert refused.value.recipients["busy@example.cn"][0] == 451
    send_mail("s", "b", "noreply@example.cn", ["busy@example.cn"])

    assert len(mail_server.wait_for(1)) == 1
    assert len(mail_server.refused) == 2


def test_permanent_refusal_at_data(mail_server):
    mail_server.refuse("gone@example.cn", code=550, stage="data")

    with pytest.raises(smtplib.SMTPDataError) as refused:
        send_mail("s", "b", "noreply@example.cn", ["gone@example.cn"])

    assert refused.value.smtp_code == 550
    assert mail_server.messages == []


def test_one_connection_carries_a_batch(mail_server):
    with get_connection() as connection:
        for number in range(3):
            message = EmailMessage("s", "b", "noreply@example.cn", [f"r{number}@example.cn"])
            connection.send_messages([message])
    send_mail("s", "b", "noreply@example.cn", ["other@example.cn"])

    received = mail_server.wait_for(4)
    assert len({message.connection for message in received[:3]}) == 1
    assert received[3].connection != received[0].connection
