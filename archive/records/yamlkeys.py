"""YAML as archivists write it by hand: the line of every key, the keys written twice, and
no aliases or deep nesting. Record files and the vocabulary are read through it, so a
duplicate key is reported with its line in both, never silently overwritten."""

from __future__ import annotations

import yaml

from ..translation import gettext as _

MAX_YAML_DEPTH = 12


class Refused(Exception):
    """YAML a hand-written archive file never needs (an alias, nesting too deep), with its line."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line


def key_lines(node, offset: int, path: tuple = (), line: int | None = None,
              seen: set | None = None) -> tuple[dict, list]:
    """Map each key path of a YAML node tree to its line; list duplicate keys as
    `(key path, line of the second)`.

    Raises Refused for an alias (a node met twice: libyaml shares aliased nodes) and for
    nesting deeper than MAX_YAML_DEPTH.
    """
    seen = set() if seen is None else seen
    if id(node) in seen:
        raise Refused(line, _("YAML aliases such as '*name' are not allowed in a record"))
    seen.add(id(node))
    if len(path) > MAX_YAML_DEPTH:
        raise Refused(line, _("the front matter is nested more than %(depth)s levels deep",
                              depth=MAX_YAML_DEPTH))
    lines, duplicates = {}, []
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key_path = path + (getattr(key_node, "value", "?"),)
            key_line = key_node.start_mark.line + 1 + offset
            if key_path in lines:
                duplicates.append((key_path, key_line))
            lines.setdefault(key_path, key_line)
            inner, inner_duplicates = key_lines(value_node, offset, key_path, key_line, seen)
            lines.update({k: v for k, v in inner.items() if k not in lines})
            duplicates += inner_duplicates
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            item_line = item.start_mark.line + 1 + offset
            lines[path + (index,)] = item_line
            inner, inner_duplicates = key_lines(item, offset, path + (index,),
                                                line or item_line, seen)
            lines.update(inner)
            duplicates += inner_duplicates
    return lines, duplicates
