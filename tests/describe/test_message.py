"""E-mail messages (.eml, mbox) described from their header fields and body, bounded on hostile input."""
from __future__ import annotations

import base64
import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from helpers.bounds import peak_memory, within
from helpers.media_files import make_message, write_eml, write_mbox
from preserve.describe.embedded import Limits
from preserve.describe.message import describe_message

PLAIN_BODY = ("The Community Water Network has opened three new wells in the villages around Kisumu, "
              "bringing clean water to more than two thousand people.\n\n"
              "The wells were dug by local volunteers over six months.\n")


def pairs(draft, element):
    return [(v.value, v.provenance) for v in draft.elements.get(element, [])]


def test_headers_give_title_creator_and_date(tmp_path):
    draft = describe_message(write_eml(tmp_path / "wells.eml", body=PLAIN_BODY), "wells.eml")
    assert pairs(draft, "title") == [("New wells open in Kisumu", "e-mail header Subject")]
    assert "title: the prefix 'Fwd:' of the Subject was removed" in draft.notes
    assert pairs(draft, "creator") == [("Community Water Network", "e-mail header From")]
    assert draft.elements["creator"][0].note.startswith("display name of press@water.example.org")
    assert pairs(draft, "date") == [("2016-02-15", "e-mail header Date")]
    assert pairs(draft, "language") == [("en", "inferred: language detection")]
    assert draft.elements["description"][0].value.startswith("The Community Water Network has opened")
    recipients = {"Archive", "Jane Recipient", "archive@example.net", "jane@example.net"}
    assert not recipients & {v.value for vs in draft.elements.values() for v in vs}
    assert "type" not in draft.elements and "format" not in draft.elements


def test_date_is_the_senders_calendar_day(tmp_path):
    path = write_eml(tmp_path / "a.eml", body=PLAIN_BODY, date="Mon, 15 Feb 2016 23:30:00 -0500")
    draft = describe_message(path, "a.eml")
    assert pairs(draft, "date") == [("2016-02-15", "e-mail header Date")]
    assert "'Mon, 15 Feb 2016 23:30:00 -0500'" in draft.elements["date"][0].note


def test_an_address_without_a_name_is_kept_as_it_is(tmp_path):
    draft = describe_message(write_eml(tmp_path / "a.eml", sender="press@water.example.org", body=PLAIN_BODY), "a.eml")
    assert pairs(draft, "creator") == [("press@water.example.org", "e-mail header From")]
    assert "no name is made up" in draft.elements["creator"][0].note


def test_a_placeholder_display_name_is_dropped(tmp_path):
    draft = describe_message(write_eml(tmp_path / "a.eml", sender="Administrator <admin@example.org>",
                                       body=PLAIN_BODY), "a.eml")
    # the placeholder is dropped; the body's issuer, if it names one, is the creator instead
    assert all(v.provenance != "e-mail header From" for v in draft.elements.get("creator", []))
    assert any(n.startswith("creator: e-mail header From 'Administrator' not used") for n in draft.notes)


def test_reply_and_forward_prefixes(tmp_path):
    draft = describe_message(write_eml(tmp_path / "a.eml", subject="RE: Fwd: AW: Budget for the wells",
                                       body=PLAIN_BODY), "a.eml")
    assert pairs(draft, "title") == [("Budget for the wells", "e-mail header Subject")]


def test_non_ascii_subject_and_content_language(tmp_path):
    path = write_eml(tmp_path / "a.eml", subject="Ouverture de puits à Kisumu", language="fr-FR",
                     sender="Réseau de l'eau <presse@eau.example.org>", body=PLAIN_BODY)
    draft = describe_message(path, "a.eml")
    assert pairs(draft, "title") == [("Ouverture de puits à Kisumu", "e-mail header Subject")]
    assert pairs(draft, "creator") == [("Réseau de l'eau", "e-mail header From")]
    assert pairs(draft, "language") == [("fr", "e-mail header Content-Language")]


def test_html_only_body(tmp_path):
    msg = make_message()
    msg.set_content("<html><body><p>The Community Water Network has opened three wells near Kisumu "
                    "for four villages and their schools.</p></body></html>", subtype="html")
    (tmp_path / "a.eml").write_bytes(msg.as_bytes())
    draft = describe_message(tmp_path / "a.eml", "a.eml")
    assert draft.elements["description"][0].value.startswith("The Community Water Network has opened three wells")


def test_attachments_are_listed(tmp_path):
    path = write_eml(tmp_path / "a.eml", body=PLAIN_BODY, attachments=[
        ("report.pdf", b"%PDF-1.4\n" + bytes(500), "application/pdf"), ("well.jpg", b"\xff\xd8\xff" + bytes(100),
                                                                         "image/jpeg")])
    draft = describe_message(path, "a.eml")
    assert ("e-mail: 2 attachment(s): report.pdf (application/pdf), well.jpg (image/jpeg); they are bytes of "
            "this message, bagged whole with it") in draft.notes


def test_mbox_first_message_and_count(tmp_path):
    first = make_message(subject="First release of the year", body="From the field: three wells opened today "
                         "in the villages around Kisumu.\n" + PLAIN_BODY)
    path = write_mbox(tmp_path / "box.mbox", [first, make_message(subject="Second"), make_message(subject="Third")])
    draft = describe_message(path, "box.mbox")
    assert pairs(draft, "title") == [("First release of the year", "e-mail header Subject")]
    assert "e-mail: an mbox of 3 message(s); described from its first message" in draft.notes
    assert draft.elements["description"][0].value.startswith("From the field")  # mboxrd quoting undone


def test_unknown_charset_is_detected(tmp_path):
    msg = make_message(body=PLAIN_BODY)
    data = msg.as_bytes().replace(b'charset="utf-8"', b'charset="x-no-such-charset"')
    (tmp_path / "a.eml").write_bytes(data)
    draft = describe_message(tmp_path / "a.eml", "a.eml")
    assert draft.elements["description"][0].value.startswith("The Community Water Network")
    assert any("x-no-such-charset" in n for n in draft.notes)


# --------------------------------------------------------------------------- hostile input
def test_malformed_date_header(tmp_path):
    draft = describe_message(write_eml(tmp_path / "a.eml", body=PLAIN_BODY, date="Someday, 32 Foo 20x6 99:99"),
                             "a.eml")
    assert "date" not in draft.elements
    assert any(n.startswith("date: e-mail header Date value") for n in draft.notes)


def test_missing_headers(tmp_path):
    draft = describe_message(write_eml(tmp_path / "a.eml", subject=None, sender=None, date=None,
                                       body=PLAIN_BODY), "a.eml")
    assert "creator: the message has no From header" in draft.notes
    assert "date: the message has no Date header" in draft.notes
    assert "title" not in draft.elements or draft.elements["title"][0].provenance.startswith("text line")


def test_ten_megabyte_base64_attachment_keeps_memory_flat(tmp_path):
    path = write_eml(tmp_path / "big.eml", body=PLAIN_BODY,
                     attachments=[("survey.zip", os.urandom(10 << 20), "application/zip")])
    draft, peak = within(120, peak_memory, describe_message, path, "big.eml")
    assert pairs(draft, "title") == [("New wells open in Kisumu", "e-mail header Subject")]
    assert any("survey.zip (application/zip)" in n for n in draft.notes)
    assert any("lines of long base64 runs (attachment contents) were not parsed" in n for n in draft.notes)
    assert peak < 12 << 20  # the attachment alone is 13.5 MiB of base64


def test_a_base64_text_body_is_decoded(tmp_path):
    msg = make_message(body=PLAIN_BODY)
    msg.get_body(("plain",)).set_content(PLAIN_BODY, cte="base64")
    (tmp_path / "a.eml").write_bytes(msg.as_bytes())
    draft = describe_message(tmp_path / "a.eml", "a.eml")
    assert draft.elements["description"][0].value.startswith("The Community Water Network")


def test_a_message_longer_than_the_byte_bound(tmp_path):
    path = write_eml(tmp_path / "a.eml", body=PLAIN_BODY * 200)
    draft = describe_message(path, "a.eml", limits=Limits(max_bytes=4096))
    assert pairs(draft, "title") == [("New wells open in Kisumu", "e-mail header Subject")]
    assert "e-mail: described from its first 4096 bytes" in draft.notes


def test_one_50_megabyte_line(tmp_path):
    path = tmp_path / "line.eml"
    path.write_bytes(b"Subject: one very long line\r\nFrom: A <a@example.org>\r\n\r\n" + b"a" * (50 << 20))
    draft, peak = within(120, peak_memory, describe_message, path, "line.eml")
    assert pairs(draft, "title") == [("one very long line", "e-mail header Subject")]
    assert peak < 48 << 20


def test_bytes_that_are_no_message(tmp_path):
    (tmp_path / "x.eml").write_bytes(base64.b64encode(os.urandom(3000)))
    draft = describe_message(tmp_path / "x.eml", "x.eml")
    assert draft.elements == {} or "title" not in draft.elements
    assert any(n.startswith("e-mail: not parsed (ValueError: no RFC 5322 header fields") for n in draft.notes)


def test_a_symlink_is_not_followed(tmp_path):
    write_eml(tmp_path / "real.eml", body=PLAIN_BODY)
    (tmp_path / "link.eml").symlink_to(tmp_path / "real.eml")
    draft = describe_message(tmp_path / "link.eml", "link.eml")
    assert "title" not in draft.elements
    assert any(n.startswith("e-mail: not parsed (OSError") for n in draft.notes)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(headers=st.lists(st.tuples(st.sampled_from(["Subject", "From", "Date", "Content-Type", "Content-Language",
                                                   "Content-Transfer-Encoding", "To"]),
                                  st.text(max_size=60).map(lambda s: s.replace("\n", " ").replace("\r", " "))),
                        max_size=8),
       body=st.binary(max_size=400))
def test_any_header_values_give_a_draft(headers, body):
    data = "".join(f"{k}: {v}\r\n" for k, v in headers).encode("utf-8", "surrogateescape") + b"\r\n" + body
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.eml"
        path.write_bytes(data)
        draft = describe_message(path, "fuzz.eml")
    assert all(isinstance(v.value, str) and v.value for vs in draft.elements.values() for v in vs)
