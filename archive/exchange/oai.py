"""OAI-PMH 2.0 (https://www.openarchives.org/OAI/openarchivesprotocol.html): the six verbs
over the harvesting catalogue, `oai_dc` made from the public view of each record, sets for
sectors and motives, `from`/`until` at the second, 100 records a page with stateless
resumption tokens, and every error the protocol defines.

A resumption token holds the request and the last id sent; the next page starts after that
id, so a record added or changed during a harvest is neither sent twice nor skipped (one
added behind the cursor is found by the next incremental harvest, by its datestamp).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Callable

from ..records.redaction import public_view
from ..records.testimony import Testimony
from .harvesting import UTC, Catalogue, Entry
from .metadata import interviewee, iso_date

PAGE = 100
OAI = "http://www.openarchives.org/OAI/2.0/"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
OAI_ID = "http://www.openarchives.org/OAI/2.0/oai-identifier"
DOMAIN = re.compile(r"[a-zA-Z][a-zA-Z0-9\-]*(\.[a-zA-Z][a-zA-Z0-9\-]*)+")  # the scheme's rule
FORMATS = {"oai_dc": ("http://www.openarchives.org/OAI/2.0/oai_dc.xsd", OAI_DC)}
VERBS = {  # verb: (required, optional, exclusive)
    "Identify": ((), (), None),
    "ListMetadataFormats": ((), ("identifier",), None),
    "ListSets": ((), (), "resumptionToken"),
    "ListIdentifiers": (("metadataPrefix",), ("from", "until", "set"), "resumptionToken"),
    "ListRecords": (("metadataPrefix",), ("from", "until", "set"), "resumptionToken"),
    "GetRecord": (("identifier", "metadataPrefix"), (), None),
}
# The schema's patterns for what an answer echoes (OAI-PMH.xsd): a value that cannot match
# is an illegal argument, answered with badArgument (whose request echoes nothing).
PREFIX = re.compile(r"[A-Za-z0-9\-_.!~*'()]+")
SET_SPEC = re.compile(r"[A-Za-z0-9\-_.!~*'()]+(?::[A-Za-z0-9\-_.!~*'()]+)*")
EMAIL = re.compile(r"\S+@(?:\S+\.)+\S+")
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
SECOND = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")

for _prefix, _uri in (("", OAI), ("oai_dc", OAI_DC), ("dc", DC), ("xsi", XSI),
                      ("oai_id", OAI_ID)):
    ET.register_namespace(_prefix, _uri)


class ProtocolError(Exception):
    """An OAI-PMH error: its code and a sentence."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class Repository:
    """What the answers need besides the catalogue: the archive's name, its OAI base URL, the
    namespace of its identifiers (the host), an address, and how to read a record."""

    name: str
    base_url: str
    host: str
    admin_email: str
    record: Callable[[str, str | None], Testimony]  # (id, its file if known) -> record
    page_url: Callable[[str], str]
    publisher: str | None = None

    def identifier(self, testimony_id: str) -> str:
        return f"oai:{self.host}:{testimony_id}"

    def local_id(self, identifier: str) -> str | None:
        prefix = f"oai:{self.host}:"
        return identifier[len(prefix):] if identifier.startswith(prefix) else None


def admin_email(configured: str | None, host: str) -> str:
    """The address Identify gives: the archivist's, when it is one the schema accepts; else
    one on the host that says it reaches no one (`.invalid`, reserved by RFC 2606), since
    the protocol requires one."""
    if configured and EMAIL.fullmatch(configured):
        return configured
    address = f"archivist@{host}"
    return address if EMAIL.fullmatch(address) else f"{address}.invalid"


def respond(args: list[tuple[str, str]], catalogue: Catalogue, repo: Repository,
            now: dt.datetime | None = None) -> bytes:
    """The XML answer to one OAI-PMH request, its arguments as given (repeats included)."""
    now = now or dt.datetime.now(UTC)
    root = ET.Element(f"{{{OAI}}}OAI-PMH", {
        f"{{{XSI}}}schemaLocation": f"{OAI} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"})
    ET.SubElement(root, f"{{{OAI}}}responseDate").text = _stamp(now)
    request = ET.SubElement(root, f"{{{OAI}}}request")
    request.text = repo.base_url
    try:
        verb, params = _check(args)
        for name, value in [("verb", verb), *sorted(params.items())]:
            request.set(name, value)
        ANSWERS[verb](root, params, catalogue, repo)
    except ProtocolError as error:
        if error.code in ("badVerb", "badArgument"):
            request.attrib.clear()  # the protocol: no attributes echoed for these
        ET.SubElement(root, f"{{{OAI}}}error", {"code": error.code}).text = error.message
    for node in root.iter():  # arguments echoed and record text: nothing XML cannot carry
        node.text = _xml_text(node.text) if node.text else node.text
        for name, value in node.attrib.items():
            node.set(name, _xml_text(value))
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8",
                                                                      xml_declaration=False)


def _check(args: list[tuple[str, str]]) -> tuple[str, dict[str, str]]:
    verbs = [value for name, value in args if name == "verb"]
    if len(verbs) != 1 or verbs[0] not in VERBS:
        raise ProtocolError("badVerb", "The verb is missing, repeated or not one of "
                            + ", ".join(VERBS) + "." if len(verbs) != 1 else
                            f"'{verbs[0][:40]}' is not an OAI-PMH verb; use one of "
                            + ", ".join(VERBS) + ".")
    verb = verbs[0]
    required, optional, exclusive = VERBS[verb]
    params: dict[str, str] = {}
    for name, value in args:
        if name == "verb":
            continue
        if name in params:
            raise ProtocolError("badArgument", f"The argument '{name}' is repeated.")
        if name not in required + optional + ((exclusive,) if exclusive else ()):
            raise ProtocolError("badArgument", f"{verb} takes no argument '{name[:40]}'.")
        params[name] = value
    if "metadataPrefix" in params and not PREFIX.fullmatch(params["metadataPrefix"]):
        raise ProtocolError("badArgument", "A metadataPrefix holds only letters, digits and "
                            "-_.!~*'(); this archive offers oai_dc.")
    if "set" in params and not SET_SPEC.fullmatch(params["set"]):
        raise ProtocolError("badArgument", "A set is written like sector:diplomatic (letters, "
                            "digits and -_.!~*'(), levels joined by ':'); ListSets names them.")
    if exclusive and exclusive in params:
        if len(params) > 1:
            raise ProtocolError("badArgument", f"{exclusive} is an exclusive argument: give "
                                "it alone with the verb.")
    else:
        missing = [name for name in required if name not in params]
        if missing:
            raise ProtocolError("badArgument", f"{verb} needs the argument "
                                f"'{missing[0]}'.")
    return verb, params


def _identify(root, params, catalogue: Catalogue, repo: Repository) -> None:
    node = ET.SubElement(root, f"{{{OAI}}}Identify")
    earliest = min((e.changed for e in catalogue.entries), default=dt.datetime.now(UTC))
    for name, value in (("repositoryName", repo.name), ("baseURL", repo.base_url),
                        ("protocolVersion", "2.0"), ("adminEmail", repo.admin_email),
                        ("earliestDatestamp", _stamp(earliest)),
                        ("deletedRecord", "persistent"),
                        ("granularity", "YYYY-MM-DDThh:mm:ssZ")):
        ET.SubElement(node, f"{{{OAI}}}{name}").text = value
    if DOMAIN.fullmatch(repo.host) and catalogue.entries:  # the oai-identifier scheme's rule
        scheme = ET.SubElement(ET.SubElement(node, f"{{{OAI}}}description"),
                               f"{{{OAI_ID}}}oai-identifier", {
                                   f"{{{XSI}}}schemaLocation": f"{OAI_ID} {OAI_ID}.xsd"})
        for name, value in (("scheme", "oai"), ("repositoryIdentifier", repo.host),
                            ("delimiter", ":"),
                            ("sampleIdentifier", repo.identifier(catalogue.entries[0].id))):
            ET.SubElement(scheme, f"{{{OAI_ID}}}{name}").text = value


def _list_formats(root, params, catalogue: Catalogue, repo: Repository) -> None:
    if "identifier" in params:
        _entry(params["identifier"], catalogue, repo)
    node = ET.SubElement(root, f"{{{OAI}}}ListMetadataFormats")
    for prefix, (schema, namespace) in FORMATS.items():
        fmt = ET.SubElement(node, f"{{{OAI}}}metadataFormat")
        for name, value in (("metadataPrefix", prefix), ("schema", schema),
                            ("metadataNamespace", namespace)):
            ET.SubElement(fmt, f"{{{OAI}}}{name}").text = value


def _list_sets(root, params, catalogue: Catalogue, repo: Repository) -> None:
    if "resumptionToken" in params:
        raise ProtocolError("badResumptionToken", "The sets come in one answer; this "
                            "resumption token was never given.")
    node = ET.SubElement(root, f"{{{OAI}}}ListSets")
    for spec, name in catalogue.sets:
        one = ET.SubElement(node, f"{{{OAI}}}set")
        ET.SubElement(one, f"{{{OAI}}}setSpec").text = spec
        ET.SubElement(one, f"{{{OAI}}}setName").text = name


def _get_record(root, params, catalogue: Catalogue, repo: Repository) -> None:
    _format(params["metadataPrefix"])
    entry = _entry(params["identifier"], catalogue, repo)
    node = ET.SubElement(root, f"{{{OAI}}}GetRecord")
    _record(node, entry, repo)


def _list(records: bool):
    def answer(root, params, catalogue: Catalogue, repo: Repository) -> None:
        if "resumptionToken" in params:
            params = _token_params(params["resumptionToken"])
        _format(params["metadataPrefix"])
        chosen = _selected(catalogue, params)
        after = params.get("after")
        rest = [e for e in chosen if after is None or e.id > after]
        if not chosen or (after is None and not rest):
            raise ProtocolError("noRecordsMatch", "No record matches these arguments.")
        page = rest[:PAGE]
        node = ET.SubElement(root, f"{{{OAI}}}{'ListRecords' if records else 'ListIdentifiers'}")
        for entry in page:
            if records:
                _record(node, entry, repo)
            else:
                _header(node, entry, repo)
        if after is None and len(rest) <= PAGE:
            return  # the whole list in one answer: no token
        cursor = len(chosen) - len(rest)
        token = ET.SubElement(node, f"{{{OAI}}}resumptionToken", {
            "completeListSize": str(len(chosen)), "cursor": str(cursor)})
        if len(rest) > PAGE:
            kept = {k: v for k, v in params.items() if k != "after"}
            token.text = _token({**kept, "after": page[-1].id})
    return answer


def _selected(catalogue: Catalogue, params: dict[str, str]) -> list[Entry]:
    start, end = _window(params.get("from"), params.get("until"))
    wanted = params.get("set")
    if wanted is not None and wanted not in {spec for spec, _name in catalogue.sets}:
        raise ProtocolError("noRecordsMatch", f"There is no set '{wanted[:60]}'; ListSets "
                            "names them.")
    return [e for e in catalogue.entries
            if (start is None or e.changed >= start) and (end is None or e.changed <= end)
            and (wanted is None or e.in_set(wanted))]


def _window(start: str | None, end: str | None) -> tuple[dt.datetime | None, dt.datetime | None]:
    def parse(text: str | None, name: str, last: bool) -> tuple[dt.datetime | None, str | None]:
        if text is None:
            return None, None
        try:
            if SECOND.fullmatch(text):
                return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC), "s"
            if DAY.fullmatch(text):
                day = dt.datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
                return (day + dt.timedelta(days=1, seconds=-1) if last else day), "d"
        except ValueError:
            pass
        raise ProtocolError("badArgument", f"'{name}' must be a date (YYYY-MM-DD) or a time "
                            f"(YYYY-MM-DDThh:mm:ssZ), not '{text[:40]}'.")
    first, first_kind = parse(start, "from", False)
    last, last_kind = parse(end, "until", True)
    if first_kind and last_kind and first_kind != last_kind:
        raise ProtocolError("badArgument", "'from' and 'until' must have the same granularity.")
    if first and last and first > last:
        raise ProtocolError("badArgument", "'from' is later than 'until'.")
    return first, last


def _format(prefix: str) -> None:
    if prefix not in FORMATS:
        raise ProtocolError("cannotDisseminateFormat", f"The format '{prefix[:40]}' is not "
                            "offered; use oai_dc.")


def _entry(identifier: str, catalogue: Catalogue, repo: Repository) -> Entry:
    local = repo.local_id(identifier)
    entry = catalogue.entry(local) if local else None
    if entry is None:
        raise ProtocolError("idDoesNotExist", f"No record has the identifier "
                            f"'{identifier[:80]}'.")
    return entry


def _header(parent, entry: Entry, repo: Repository):
    header = ET.SubElement(parent, f"{{{OAI}}}header",
                           {"status": "deleted"} if entry.deleted else {})
    ET.SubElement(header, f"{{{OAI}}}identifier").text = repo.identifier(entry.id)
    ET.SubElement(header, f"{{{OAI}}}datestamp").text = _stamp(entry.changed)
    for spec in entry.sets:
        ET.SubElement(header, f"{{{OAI}}}setSpec").text = spec
    return header


def _record(parent, entry: Entry, repo: Repository) -> None:
    node = ET.SubElement(parent, f"{{{OAI}}}record")
    _header(node, entry, repo)
    if entry.deleted:
        return
    metadata = ET.SubElement(node, f"{{{OAI}}}metadata")
    metadata.append(dublin_core(repo.record(entry.id, entry.path), repo))


def dublin_core(testimony: Testimony, repo: Repository) -> ET.Element:
    """A record as `oai_dc`, from its public view."""
    shown = public_view(testimony)
    dc = ET.Element(f"{{{OAI_DC}}}dc", {
        f"{{{XSI}}}schemaLocation": f"{OAI_DC} {FORMATS['oai_dc'][0]}"})
    person = interviewee(testimony)
    fields = [("title", shown.title), ("creator", person), ("type", "Interview"),
              ("type", "Text"), ("date", iso_date(shown)), ("language", shown.language),
              ("description", shown.summary), ("identifier", repo.page_url(shown.id)),
              ("publisher", repo.publisher or repo.name), ("coverage", shown.country),
              ("description", f"Post: {shown.post}" if shown.post else None)]
    fields += [("subject", motive) for motive in shown.motives]
    fields += [("subject", f"sector: {shown.sector}")]
    for name, value in fields:
        if value:
            ET.SubElement(dc, f"{{{DC}}}{name}").text = str(value)
    return dc


def _xml_text(text: str) -> str:
    """Text without the characters XML 1.0 cannot carry."""
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "", text)


def _token(params: dict[str, str]) -> str:
    data = json.dumps(params, sort_keys=True, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _token_params(token: str) -> dict[str, str]:
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        allowed = {"metadataPrefix", "from", "until", "set", "after"}
        if (not isinstance(data, dict) or not set(data) <= allowed
                or "metadataPrefix" not in data or "after" not in data
                or not all(isinstance(v, str) for v in data.values())):
            raise ValueError
        return data
    except ValueError:
        raise ProtocolError("badResumptionToken", "This resumption token is not one this "
                            "archive gave; start the list again.") from None


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


ANSWERS = {"Identify": _identify, "ListMetadataFormats": _list_formats,
           "ListSets": _list_sets, "GetRecord": _get_record,
           "ListIdentifiers": _list(False), "ListRecords": _list(True)}
