"""iCalendar (RFC 5545) text for windows and campaigns, written by hand: no dependency needed.

Lines end in CRLF and are folded at 75 octets (section 3.1); text values escape backslash,
semicolon, comma and newline (3.3.11); times are UTC ``YYYYMMDDTHHMMSSZ`` (3.3.5).
"""

from __future__ import annotations

from datetime import UTC, datetime


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def _fold(line: str) -> str:
    """Split a content line into pieces of at most 75 octets, continuations starting with a space."""
    out, cur, size = [], "", 0
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > (75 if not out else 74):
            out.append(cur)
            cur, size = "", 0
        cur += ch
        size += n
    out.append(cur)
    return "\r\n ".join(out)


def _stamp(utc_iso: str) -> str:
    """'2023-05-15T14:08:00' (UTC) -> '20230515T140800Z' (a leap second :60 becomes :59)."""
    s = utc_iso.replace("-", "").replace(":", "")[:15]
    return s[:13] + ("59" if s[13:15] == "60" else s[13:15]) + "Z"


def calendar(events: list[dict], name: str = "paledot windows") -> str:
    """A VCALENDAR holding one VEVENT per dict (start_utc, stop_utc, summary, description, uid)."""
    now = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//paledot//plan//EN", "CALSCALE:GREGORIAN",
             f"X-WR-CALNAME:{_escape(name)}"]
    for e in events:
        lines += ["BEGIN:VEVENT", f"UID:{e['uid']}", f"DTSTAMP:{now}",
                  f"DTSTART:{_stamp(e['start_utc'])}", f"DTEND:{_stamp(e['stop_utc'])}",
                  f"SUMMARY:{_escape(e['summary'])}", f"DESCRIPTION:{_escape(e['description'])}",
                  "TRANSP:TRANSPARENT", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(_fold(x) + "\r\n" for x in lines)
