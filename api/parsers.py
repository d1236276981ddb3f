"""Request bodies are JSON objects; anything else is a 400, never a 500."""

from __future__ import annotations

import json

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class ObjectJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:  # absurdly deep nesting
            raise ParseError("JSON parse error - nested too deeply.") from None
        if not isinstance(data, dict):
            raise ParseError(f"The request body must be a JSON object, not {type(data).__name__}.")
        try:
            # "\ud83d" alone decodes to a lone surrogate: no database (nor UTF-8) can hold it.
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise ParseError("JSON parse error - the body holds an unpaired Unicode surrogate.") from None
        return data
