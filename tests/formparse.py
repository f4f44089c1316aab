"""Reading an HTML form as a browser would submit it (for the form tests)."""

from __future__ import annotations

from html.parser import HTMLParser


class _Form(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.values: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._select: str | None = None
        self._text: list[str] = []
        self._option: dict | None = None
        self._first_option: str | None = None
        self._selected = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.values.append((a["name"], a.get("value", "on")))
            elif kind not in ("submit", "button"):
                self.values.append((a["name"], a.get("value", "")))
        elif tag == "textarea":
            self._textarea, self._text = a["name"], []
        elif tag == "select":  # a select without a name is not submitted
            self._select, self._first_option, self._selected = a.get("name"), None, False
        elif tag == "option" and self._select:
            self._option, self._text = a, []

    def handle_data(self, data):
        if self._textarea is not None or self._option is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            self.values.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "option" and self._option is not None:
            value = self._option.get("value", "".join(self._text))
            if self._first_option is None:
                self._first_option = value
            if "selected" in self._option:
                self.values.append((self._select, value))
                self._selected = True
            self._option = None
        elif tag == "select" and self._select:
            if not self._selected:
                self.values.append((self._select, self._first_option or ""))
            self._select = None


def form_values(html: str) -> dict[str, list[str]]:
    """The fields of the page's record form, as a browser would submit them."""
    start = html.index('<form class="record-form"')
    parser = _Form()
    parser.feed(html[start:html.index("</form>", start)])
    values: dict[str, list[str]] = {}
    for name, value in parser.values:
        values.setdefault(name, []).append(value)
    return values
